namespace MemMap.Tests.Reliability;

/// <summary>
/// A plain in-memory model of one file and the mappings made of it: what DESIGN.md and the kernel
/// promise, written without any system call. Each method returns the outcome the real
/// <see cref="MemoryMapping"/> must produce (see <see cref="Outcome"/>) and updates the model.
/// </summary>
/// <remarks>
/// Rules encoded, in the order the core checks them:
/// - bounds by Length (never MappedLength): ArgumentOutOfRangeException;
/// - holes (partial unmap): MappingAccessException Unmapped; protection: Protection — at the first
///   offending page, or at the access's offset when that page starts before it; a zero-byte access
///   touches no page and is never refused;
/// - any byte at or past the CURRENT end of a file that another process truncated (to any length,
///   the tail of a partial last page included): BeyondEndOfFile at the first such byte, and nothing
///   is read or written; a sync of a shared mapping whose range the file no longer holds is flushed,
///   then BeyondEndOfFile at the file's end;
/// - private file pages are the file's until first written (copy-on-write): they show later changes
///   of the file until then; a truncation drops private copies of pages wholly past the new end
///   (truncate_pagecache unmaps even COW pages), so they read the file again (or fail) afterwards;
///   a private copy of the partial last page keeps its bytes, past the end too, and shows them
///   again once the file is extended.
/// </remarks>
public sealed partial class MappingModel
{
    public static readonly int Page = Environment.SystemPageSize;

    public byte[] File { get; private set; } = [];

    public ModelMapping?[] Slots { get; } = new ModelMapping?[3];

    public static long RoundUp(long value) => (value + Page - 1) / Page * Page;

    public void InitFile(byte[] data, bool sharedMemory)
    {
        File = [.. data];
        IsSharedMemory = sharedMemory;
    }

    // ---- creation ----

    /// <summary>True when the file is a POSIX shared-memory object (a tmpfs file in /dev/shm).</summary>
    public bool IsSharedMemory { get; private set; }

    /// <summary>
    /// A creation of the kind <see cref="ModelOp.Kind"/> MapFile: with a shared-memory object and neither
    /// Private nor Create, MapSharedMemory (whose Length extends the object, as Create does for a file,
    /// and which opens it writable for Write or a Length); else MapFile.
    /// </summary>
    public bool UsesMapSharedMemory(ModelOp op) => IsSharedMemory && !op.Private && !op.Create;

    public Outcome MapFile(ModelOp op, Func<MemoryMapping> real, out ModelMapping? created)
    {
        created = null;
        if (Precheck(op) is { } bad) return bad;
        if (UsesMapSharedMemory(op))
        {
            return MapFileLike(op with { Create = op.Length is not null }, real, MappingKind.SharedMemory,
                op.Protection.HasFlag(MemoryProtection.Write) || op.Length is not null, out created);
        }
        if (op.Create && op.Length is null) return Outcome.Error<ArgumentException>();
        return MapFileLike(op, real, op.Private ? MappingKind.PrivateFile : MappingKind.SharedFile,
            op.Create || (!op.Private && op.Protection.HasFlag(MemoryProtection.Write)), out created);
    }

    private Outcome MapFileLike(ModelOp op, Func<MemoryMapping> real, MappingKind kind, bool fdWritable, out ModelMapping? created)
    {
        created = null;
        long size = File.Length, length;
        if (op.Length is { } requested)
        {
            if (requested <= 0) return Outcome.Error<ArgumentOutOfRangeException>();
            if (!op.Create && op.Offset + requested > size) return Outcome.Error<ArgumentException>();
            length = requested;
        }
        else if (op.Offset < size)
        {
            length = size - op.Offset;
        }
        else
        {
            return Outcome.Error<ArgumentException>();
        }
        if (op.Offset + length > size)
        {
            ResizeFile(op.Offset + length);
        }
        created = new ModelMapping(real(), kind, op.Offset, length, op.Protection, fdWritable);
        return Outcome.Ok();
    }

    public static Outcome MapAnonymous(ModelOp op, Func<MemoryMapping> real, out ModelMapping? created)
    {
        created = null;
        if (Precheck(op) is { } bad) return bad;
        if (op.Offset != 0 || op.Create) return Outcome.Error<ArgumentException>();
        if (op.Length is not > 0) return Outcome.Error<ArgumentOutOfRangeException>();
        created = new ModelMapping(real(), op.Private ? MappingKind.PrivateAnonymous : MappingKind.SharedAnonymous, 0, op.Length.Value, op.Protection, fdWritable: false);
        return Outcome.Ok();
    }

    private static Outcome? Precheck(ModelOp op)
    {
        if (!IsProtection(op.Protection)) return Outcome.Error<ArgumentException>();
        if (op.Offset < 0) return Outcome.Error<ArgumentOutOfRangeException>();
        if (op.Offset % Page != 0) return Outcome.Error<ArgumentException>();
        return null;
    }

    private static bool IsProtection(MemoryProtection protection) => (protection & ~(MemoryProtection.ReadWrite | MemoryProtection.Execute)) == 0;

    // ---- another process ----

    /// <summary>Another process sets the file's size.</summary>
    public void Truncate(long size)
    {
        ResizeFile(size);
        long end = RoundUp(size);
        foreach (ModelMapping m in Slots.OfType<ModelMapping>().Where(m => m.Kind == MappingKind.PrivateFile && !m.Closed))
        {
            for (int page = 0; page < m.Pages.Count; page++)
            {
                if (m.FileOffset + (long)page * Page >= end)
                {
                    m.Pages[page].Own = null; // truncate_pagecache zaps private copies past the end too
                }
            }
        }
    }

    // ---- helpers ----

    public static bool InRange(ModelMapping m, long offset, long count) => offset >= 0 && count >= 0 && offset <= m.Length && count <= m.Length - offset;

    private static (long Start, long Span)? PageSpan(ModelMapping m, long offset, long? count)
    {
        long length = count ?? Math.Max(0, m.Length - offset);
        if (!InRange(m, offset, length)) return null;
        long start = offset - offset % Page;
        long end = count is null ? (long)m.Pages.Count * Page : RoundUp(offset + length);
        return (start, end - start);
    }

    private static IEnumerable<int> PagesOf(long start, long span) =>
        Enumerable.Range((int)(start / Page), (int)((span + Page - 1) / Page));

    private static long? HoleIn(ModelMapping m, long start, long span)
    {
        foreach (int page in PagesOf(start, span))
        {
            if (!m.Pages[page].Mapped) return Math.Max(start, (long)page * Page);
        }
        return null;
    }

    private static Outcome? AccessRefusal(ModelMapping m, long offset, long count, MemoryProtection access)
    {
        if (count == 0) return null;
        for (long page = offset / Page; page <= (offset + count - 1) / Page; page++)
        {
            ModelPage state = m.Pages[(int)page];
            if (!state.Mapped) return Outcome.Access(MappingAccessFault.Unmapped, Math.Max(offset, page * Page));
            if ((state.Protection & access) != access) return Outcome.Access(MappingAccessFault.Protection, Math.Max(offset, page * Page));
        }
        return null;
    }

    /// <summary>The file's current end, in mapping offsets: no access may reach it.</summary>
    public long CopyLimit(ModelMapping m) => m.IsFile ? File.Length - m.FileOffset : long.MaxValue;

    private byte ByteAt(ModelMapping m, long offset)
    {
        ModelPage page = m.Pages[(int)(offset / Page)];
        if (page.Own is { } own) return own[offset % Page];
        long at = m.FileOffset + offset;
        return at < File.Length ? File[at] : (byte)0; // the zeroed tail of the last page (copied on write)
    }

    private void SetByte(ModelMapping m, long offset, byte value)
    {
        ModelPage page = m.Pages[(int)(offset / Page)];
        if (page.Own is null && m.Kind == MappingKind.PrivateFile)
        {
            long start = offset - offset % Page;
            page.Own = Enumerable.Range(0, Page).Select(i => ByteAt(m, start + i)).ToArray(); // copy-on-write
        }
        if (page.Own is { } own)
        {
            own[offset % Page] = value;
        }
        else
        {
            File[m.FileOffset + offset] = value;
        }
    }

    private void ResizeFile(long size)
    {
        byte[] resized = new byte[size];
        File.AsSpan(0, (int)Math.Min(size, File.Length)).CopyTo(resized);
        File = resized;
    }
}
