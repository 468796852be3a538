using System.Buffers.Binary;

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
public sealed class MappingModel
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
            Resize(op.Offset + length);
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

    // ---- access ----

    public Outcome Read(ModelMapping m, long offset, long count)
    {
        if (!InRange(m, offset, count)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        return ReadLocked(m, offset, count, out byte[] bytes) ?? Outcome.Bytes(bytes);
    }

    /// <summary>The access checks and copy, once the range is known to be inside Length and the mapping open.</summary>
    private Outcome? ReadLocked(ModelMapping m, long offset, long count, out byte[] bytes)
    {
        bytes = [];
        if (AccessRefusal(m, offset, count, MemoryProtection.Read) is { } refused) return refused;
        long limit = CopyLimit(m);
        if (count > 0 && offset + count > limit) return Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(offset, limit));
        bytes = new byte[count];
        for (long i = 0; i < count; i++)
        {
            bytes[i] = ByteAt(m, offset + i);
        }
        return null;
    }

    /// <summary>Fill checks the range before it looks at the mapping; Write after.</summary>
    public Outcome Fill(ModelMapping m, long offset, long count, byte value) =>
        InRange(m, offset, count) ? Write(m, offset, Enumerable.Repeat(value, (int)count).ToArray()) : Outcome.Error<ArgumentOutOfRangeException>();

    public Outcome Write(ModelMapping m, long offset, byte[] data)
    {
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (!InRange(m, offset, data.Length)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (AccessRefusal(m, offset, data.Length, MemoryProtection.Write) is { } refused) return refused;
        long limit = CopyLimit(m);
        if (data.Length > 0 && offset + data.Length > limit) return Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(offset, limit));
        for (long i = 0; i < data.Length; i++)
        {
            SetByte(m, offset + i, data[i]);
        }
        return Outcome.Ok();
    }

    /// <summary>
    /// memmove within the mapping: both ranges checked first (bounds, protection, then the file's
    /// current end, source before destination), and nothing moves when either reaches past it.
    /// </summary>
    public Outcome Copy(ModelMapping m, long from, long count, long to)
    {
        if (!InRange(m, from, count) || !InRange(m, to, count)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (AccessRefusal(m, from, count, MemoryProtection.Read) is { } unreadable) return unreadable;
        if (AccessRefusal(m, to, count, MemoryProtection.Write) is { } unwritable) return unwritable;
        long limit = CopyLimit(m);
        if (count > 0 && from + count > limit) return Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(from, limit));
        if (count > 0 && to + count > limit) return Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(to, limit));
        byte[] source = [.. Enumerable.Range(0, (int)count).Select(i => ByteAt(m, from + i))];
        for (long i = 0; i < count; i++)
        {
            SetByte(m, to + i, source[i]);
        }
        return Outcome.Ok();
    }

    public Outcome ReadValues(ModelMapping m, ModelOp op)
    {
        int size = SizeOf(op.ValueType);
        long count = op.Count ?? 0;
        if (count < 0 || !InRange(m, op.Offset, count * size)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (ReadLocked(m, op.Offset, count * size, out byte[] bytes) is { } refused) return refused;
        return Outcome.Values(Enumerable.Range(0, (int)count).Select(i => Decode(bytes.AsSpan(i * size, size), op.ValueType, op.Flag)));
    }

    /// <summary>AddValue (the new value) or CompareExchangeValue (1 when it wrote): the checks of MemoryMapping.Atomics.cs in their order, then one read-modify-write.</summary>
    public Outcome Atomic(ModelMapping m, ModelOp op)
    {
        if (op.ValueType == ModelValueType.F64) return Outcome.Error<ArgumentException>();
        int size = SizeOf(op.ValueType);
        if (op.Offset % size != 0) return Outcome.Error<ArgumentException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (!InRange(m, op.Offset, size)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (AccessRefusal(m, op.Offset, size, MemoryProtection.ReadWrite) is { } refused) return refused;
        if (op.Offset + size > CopyLimit(m)) return Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(op.Offset, CopyLimit(m)));
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = ByteAt(m, op.Offset + i);
        }
        long old = Decode(bytes, op.ValueType, bigEndian: false);
        bool add = op.Kind == ModelOpKind.AddValue;
        bool swap = add || old == Decode(Encode([op.Values[0]], op.ValueType, bigEndian: false), op.ValueType, bigEndian: false);
        byte[] written = Encode([add ? unchecked(old + op.Values[0]) : op.Values[1]], op.ValueType, bigEndian: false);
        if (swap)
        {
            for (int i = 0; i < size; i++)
            {
                SetByte(m, op.Offset + i, written[i]);
            }
        }
        return Outcome.Values([add ? Decode(written, op.ValueType, bigEndian: false) : swap ? 1 : 0]);
    }

    public Outcome WriteValues(ModelMapping m, ModelOp op) => Write(m, op.Offset, Encode(op.Values, op.ValueType, op.Flag));

    public Outcome Find(ModelMapping m, ModelOp op, bool last)
    {
        if (op.Data.Length == 0) return Outcome.Error<ArgumentException>();
        long count = op.Count ?? Math.Max(0, m.Length - op.Offset);
        if (!InRange(m, op.Offset, count)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (count < op.Data.Length) return Outcome.Values([]); // no window to search
        if (ReadLocked(m, op.Offset, count, out byte[] window) is { } refused) return refused;
        var matches = new List<long>();
        for (int at = 0; at + op.Data.Length <= window.Length; at++)
        {
            if (window.AsSpan(at, op.Data.Length).SequenceEqual(op.Data))
            {
                matches.Add(op.Offset + at);
            }
        }
        return Outcome.Values(last ? matches.TakeLast(1) : matches);
    }

    /// <summary>Residency counts pages; the model knows their number and the mapping's Length, not which are in RAM.</summary>
    public static Outcome Residency(ModelMapping m) =>
        m.Closed ? Outcome.Error<MappingClosedException>() : Outcome.Ok($"{m.Pages.Count} pages, {m.Length} bytes, at most {m.Pages.Count(p => p.Mapped)} resident");

    /// <summary>
    /// Advice: only DontNeed changes what the pages show — private anonymous pages read zeros again,
    /// private copies of file pages are dropped (the file shows through again); shared pages keep their data.
    /// </summary>
    public static Outcome Advise(ModelMapping m, ModelOp op)
    {
        var advice = (MappingAdvice)op.Value;
        if (!Enum.IsDefined(advice)) return Outcome.Error<ArgumentException>();
        return PageCall(m, op, page =>
        {
            if (advice == MappingAdvice.DontNeed && m.Kind is MappingKind.PrivateAnonymous or MappingKind.PrivateFile)
            {
                page.Own = m.Kind == MappingKind.PrivateAnonymous ? new byte[Page] : null;
            }
        });
    }

    /// <summary>Lock or unlock: no data changes (the pages modelled here are populated without copy-on-write).</summary>
    public static Outcome Lock(ModelMapping m, ModelOp op) => PageCall(m, op, page => page.Locked = !op.Flag2);

    /// <summary>The checks of advice and locking (MemoryMapping.PageCalls.cs), then <paramref name="apply"/> on each mapped page of the range.</summary>
    private static Outcome PageCall(ModelMapping m, ModelOp op, Action<ModelPage> apply)
    {
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (PageSpan(m, op.Offset, op.Count) is not var (start, span)) return Outcome.Error<ArgumentOutOfRangeException>();
        if (op.Count == 0) return Outcome.Ok();
        bool whole = op.Offset == 0 && op.Count is null;
        if (!whole && HoleIn(m, start, span) is long hole) return Outcome.Access(MappingAccessFault.Unmapped, hole);
        m.MayHaveSeveralAreas |= !whole;
        foreach (int page in PagesOf(start, span).Where(page => m.Pages[page].Mapped))
        {
            apply(m.Pages[page]);
        }
        return Outcome.Ok();
    }

    /// <summary>
    /// Page calls the model does not follow (the runner skips them): mlock populates a private
    /// writable file mapping with write faults (a private copy of every page), and populating a page
    /// past the end of the file or a PROT_NONE page fails part-way with the area already locked;
    /// DontNeed on a locked page is EINVAL after the pages before it were dropped. And an unprivileged
    /// user's RLIMIT_MEMLOCK may refuse a lock: only root locks here.
    /// </summary>
    public bool PageCallIsUnmodelable(ModelMapping m, ModelOp op)
    {
        if (m.Closed || PageSpan(m, op.Offset, op.Count) is not var (start, span) || op.Count == 0) return false;
        var pages = PagesOf(start, span).Select(page => m.Pages[page]).ToList();
        long end = RoundUp(File.Length) - m.FileOffset;
        return op.Kind == ModelOpKind.Lock
            ? !op.Flag2 && (Environment.UserName != "root" || m.Kind == MappingKind.PrivateFile
                || pages.Any(page => page.Protection == MemoryProtection.None)
                || (m.IsFile && start + span > end))
            : (MappingAdvice)op.Value == MappingAdvice.DontNeed && pages.Any(page => page.Locked);
    }

    // ---- changes ----

    public static Outcome Protect(ModelMapping m, ModelOp op)
    {
        if (!IsProtection(op.Protection) || op.Offset % Page != 0) return Outcome.Error<ArgumentException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (PageSpan(m, op.Offset, op.Count) is not var (start, span)) return Outcome.Error<ArgumentOutOfRangeException>();
        bool whole = op.Offset == 0 && op.Count is null;
        if (!whole && HoleIn(m, start, span) is long hole) return Outcome.Access(MappingAccessFault.Unmapped, hole);
        if (m.Kind is MappingKind.SharedFile or MappingKind.SharedMemory && !m.FdWritable && op.Protection.HasFlag(MemoryProtection.Write)
            && PagesOf(start, span).Any(page => m.Pages[page].Mapped))
        {
            return Outcome.SystemCall("mprotect", "EACCES");
        }
        m.MayHaveSeveralAreas |= !whole;
        foreach (int page in PagesOf(start, span))
        {
            if (m.Pages[page].Mapped) m.Pages[page].Protection = op.Protection;
        }
        return Outcome.Ok();
    }

    public Outcome Sync(ModelMapping m, ModelOp op)
    {
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (PageSpan(m, op.Offset, op.Count) is not var (start, span)) return Outcome.Error<ArgumentOutOfRangeException>();
        bool whole = op.Offset == 0 && op.Count is null;
        if (!whole && HoleIn(m, start, span) is long hole) return Outcome.Access(MappingAccessFault.Unmapped, hole);
        // MS_INVALIDATE on locked pages is EBUSY (msync(2)).
        if (op.Flag2 && PagesOf(start, span).Any(page => m.Pages[page].Mapped && m.Pages[page].Locked)) return Outcome.SystemCall("msync", "EBUSY");
        long end = op.Count is { } count ? op.Offset + count : m.Length, limit = CopyLimit(m);
        return m.Kind is MappingKind.SharedFile or MappingKind.SharedMemory && end > op.Offset && end > limit
            ? Outcome.Access(MappingAccessFault.BeyondEndOfFile, Math.Max(op.Offset, limit))
            : Outcome.Ok();
    }

    /// <summary>
    /// Resize. Growing the pages may legitimately fail (no room after the mapping, and it cannot
    /// move: several kernel areas, or not allowed to): <paramref name="real"/> decides which of the
    /// allowed outcomes happened, and the model follows it.
    /// </summary>
    public Outcome Resize(ModelMapping m, ModelOp op, Outcome real)
    {
        long newLength = op.Offset;
        if (newLength <= 0) return Outcome.Error<ArgumentOutOfRangeException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (m.Pages.Any(page => !page.Mapped)) return Outcome.Error<MappingOperationException>();
        int newPages = (int)(RoundUp(newLength) / Page);
        if (newPages > m.Pages.Count && m.Kind == MappingKind.SharedAnonymous) return Outcome.Error<ArgumentException>();
        if (m.IsFile && newLength > m.Length && m.FileOffset + newLength > File.Length)
        {
            if (!op.Flag2) return Outcome.Error<ArgumentException>();
            if (!m.FdWritable) return Outcome.SystemCall("ftruncate", "EINVAL");
            Resize(m.FileOffset + newLength);
        }
        if (newPages > m.Pages.Count)
        {
            // Only where the kernel may refuse: no room in place without -NoMove's permission to move, or
            // no room and several kernel areas (a partial protect, lock or advice split it). A plain
            // growth of a movable mapping of one area must succeed.
            bool allowedFailure = (m.MayHaveSeveralAreas && real.Text == Outcome.Error<MappingOperationException>().Text)
                || (!op.Flag && real.Text == Outcome.SystemCall("mremap", "ENOMEM").Text);
            if (allowedFailure) return real;
            MemoryProtection last = m.Pages[^1].Protection;
            bool locked = m.Pages[^1].Locked;
            while (m.Pages.Count < newPages)
            {
                m.Pages.Add(new ModelPage(last, m.IsFile ? null : new byte[Page]) { Locked = locked });
            }
        }
        m.Pages.RemoveRange(newPages, m.Pages.Count - newPages);
        m.Length = newLength;
        return Outcome.Ok();
    }

    public static Outcome Unmap(ModelMapping m, ModelOp op)
    {
        if (op.Offset % Page != 0) return Outcome.Error<ArgumentException>();
        if (m.Closed) return Outcome.Error<MappingClosedException>();
        if (PageSpan(m, op.Offset, op.Count) is not var (start, span)) return Outcome.Error<ArgumentOutOfRangeException>();
        foreach (int page in PagesOf(start, span))
        {
            m.Pages[page] = new ModelPage(MemoryProtection.None, null) { Mapped = false };
        }
        bool nothingLeft = m.Pages.All(page => !page.Mapped);
        m.Closed |= nothingLeft;
        return Outcome.Ok(nothingLeft.ToString());
    }

    /// <summary>Another process sets the file's size.</summary>
    public void Truncate(long size)
    {
        Resize(size);
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

    private void Resize(long size)
    {
        byte[] resized = new byte[size];
        File.AsSpan(0, (int)Math.Min(size, File.Length)).CopyTo(resized);
        File = resized;
    }

    public static int SizeOf(ModelValueType type) => type switch { ModelValueType.I16 => 2, ModelValueType.I32 => 4, _ => 8 };

    private static long Decode(ReadOnlySpan<byte> bytes, ModelValueType type, bool bigEndian) => type switch
    {
        ModelValueType.I16 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(bytes) : BinaryPrimitives.ReadInt16LittleEndian(bytes),
        ModelValueType.I32 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(bytes) : BinaryPrimitives.ReadInt32LittleEndian(bytes),
        ModelValueType.I64 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes),
        _ => BitConverter.DoubleToInt64Bits(bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(bytes) : BinaryPrimitives.ReadDoubleLittleEndian(bytes)),
    };

    private static byte[] Encode(long[] values, ModelValueType type, bool bigEndian)
    {
        int size = SizeOf(type);
        byte[] bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            Span<byte> at = bytes.AsSpan(i * size, size);
            switch (type)
            {
                case ModelValueType.I16 when bigEndian: BinaryPrimitives.WriteInt16BigEndian(at, (short)values[i]); break;
                case ModelValueType.I16: BinaryPrimitives.WriteInt16LittleEndian(at, (short)values[i]); break;
                case ModelValueType.I32 when bigEndian: BinaryPrimitives.WriteInt32BigEndian(at, (int)values[i]); break;
                case ModelValueType.I32: BinaryPrimitives.WriteInt32LittleEndian(at, (int)values[i]); break;
                case ModelValueType.I64 when bigEndian: BinaryPrimitives.WriteInt64BigEndian(at, values[i]); break;
                case ModelValueType.I64: BinaryPrimitives.WriteInt64LittleEndian(at, values[i]); break;
                case ModelValueType.F64 when bigEndian: BinaryPrimitives.WriteInt64BigEndian(at, values[i]); break;
                default: BinaryPrimitives.WriteInt64LittleEndian(at, values[i]); break;
            }
        }
        return bytes;
    }
}

/// <summary>The model of one mapping: its pages, each with a protection, a hole, or memory of its own.</summary>
public sealed class ModelMapping(MemoryMapping real, MappingKind kind, long fileOffset, long length, MemoryProtection protection, bool fdWritable)
{
    public MemoryMapping Real { get; } = real;
    public MappingKind Kind { get; } = kind;
    public long FileOffset { get; } = fileOffset;
    public long Length { get; set; } = length;
    public bool FdWritable { get; } = fdWritable;
    public bool Closed { get; set; }

    /// <summary>A protect, lock or advice of part of the pages may have split the mapping into several kernel areas, which mremap cannot move together.</summary>
    public bool MayHaveSeveralAreas { get; set; }
    public bool IsFile => Kind is MappingKind.SharedFile or MappingKind.PrivateFile or MappingKind.SharedMemory;

    public List<ModelPage> Pages { get; } = Enumerable.Range(0, (int)(MappingModel.RoundUp(length) / MappingModel.Page))
        .Select(_ => new ModelPage(protection, kind is MappingKind.SharedFile or MappingKind.PrivateFile or MappingKind.SharedMemory ? null : new byte[MappingModel.Page])).ToList();
}

/// <summary>One page: its protection, whether it is still mapped, and its own bytes (anonymous memory, or a private copy of a file page).</summary>
public sealed class ModelPage(MemoryProtection protection, byte[]? own)
{
    public MemoryProtection Protection { get; set; } = protection;
    public bool Mapped { get; init; } = true;
    public bool Locked { get; set; }
    public byte[]? Own { get; set; } = own;
}

/// <summary>What a step produced, as text both sides can be compared on: "ok …", bytes, values, or the error's type (and fault, offset, errno).</summary>
public sealed record Outcome(string Text)
{
    public static Outcome Ok(string detail = "") => new(detail.Length == 0 ? "ok" : $"ok {detail}");
    public static Outcome Error<T>() where T : Exception => new(typeof(T).Name);
    public static Outcome Access(MappingAccessFault fault, long offset) => new($"MappingAccessException({fault} at {offset})");
    public static Outcome SystemCall(string call, string errno) => new($"SystemCallException({call}: {errno})");
    public static Outcome Bytes(byte[] bytes) => new(bytes.Length <= 48
        ? $"bytes[{bytes.Length}] {Convert.ToHexString(bytes)}"
        : $"bytes[{bytes.Length}] {Convert.ToHexString(bytes, 0, 16)}… sha256 {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16]}");
    public static Outcome Values(IEnumerable<long> values) => new($"values [{string.Join(", ", values)}]");

    public static Outcome Of(Exception error) => error switch
    {
        MappingAccessException access => Access(access.Fault, access.Offset),
        SystemCallException call => SystemCall(call.SystemCall, call.ErrnoName),
        _ => new(error.GetType().Name),
    };

    public override string ToString() => Text;
}
