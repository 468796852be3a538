using System.Runtime.CompilerServices;
using MemMap.Interop;

namespace MemMap;

// Reads and writes: bounds (Length, never the page tail past it), then holes and protection, all
// under the gate, then a copy by the mapping's access path, chosen once, here (ChooseReadPath,
// ChooseWritePath), for everything that touches the bytes: Read, Write, Fill, typed values, Find.
//
// - Direct (anonymous memory): a plain memcpy. It cannot fault, because every way to make these
//   pages fault is excluded: bounds, holes and protection are checked under the gate, and the gate
//   excludes unmap, resize and protect (MemMap's only ways to change them) while the copy runs. No
//   other process can shrink anonymous memory: it has no file to truncate (a child that shares it
//   through fork can neither truncate nor unmap our view of it). Advice that drops pages (DontNeed,
//   Free, Remove) runs as a use beside the copy, and only makes the next touch read zeros. Not
//   direct: huge pages (a fault can find the pool empty: SIGBUS), POSIX shared memory (another
//   process can ftruncate the object), and /dev/zero-like devices (they come through a file, so only
//   Kind *Anonymous is trusted). Left out of the contract, as for every byte the runtime touches:
//   root rewriting our memory (ptrace, /proc/PID/mem) and hardware memory errors.
// - Guarded (regular files, shared memory objects, huge pages): the same checks under the gate, then
//   memcpy/memset inside the native helper (GuardedCopy), whose SIGBUS handler recovers a fault in
//   its own copy only. What can still fault there after the checks is a page another process took
//   away (truncation), a file system out of space, or a missing huge page: each is a SIGBUS that
//   becomes a short count, then the same typed error as the kernel copy gives.
// - File (reads of a shared regular-file mapping where the helper is missing): pread from the
//   mapped file reads the same page cache; past the end of a truncated file it returns short
//   instead of faulting. Never pwrite: it would silently re-extend a file another process truncated,
//   where the mapping would refuse the write.
// - Kernel (everything else: devices, and everything where the helper is missing): process_vm_readv/
//   writev on our own pid, which a page that would fault ends early with EFAULT instead of a signal.
//
// The current end of the file (CheckFileEndLocked), for every mapping of a regular file (shared and
// private file mappings, shared-memory objects): another process may truncate the file to any length.
// A page wholly past the new end faults (the guarded copy's SIGBUS), but the partial last page stays
// mapped, and its tail past the end is not part of the file: a shared mapping's write there is never
// written back (a file system zeroes it, the issue-15 data loss; tmpfs keeps it unseen until the object
// grows again), and reads there return zeros that are in no file. So every access that reaches a
// byte at or past the current end is refused with BeyondEndOfFile before a byte moves. Private file
// mappings follow the same rule: the kernel drops even their copied-on-write pages wholly past the
// end, so past the end they hold nothing that is the file's, byte for byte as for page by page.
// Finding the end by fstat costs a system call (about 2 us on a busy VM, 50 times a small read), so
// the guarded path proves it with one load instead: a truncation unmaps every page wholly past the
// new end, so a load from the sentinel page (the last readable page of the mapping) that does not
// fault proves the file still reaches into it, and so holds every byte before it. Only accesses that
// reach into the sentinel page, or find it gone, pay for the fstat. The race left is the one between
// the check and the copy (a truncation landing during the copy itself): Sync reports that one, since
// it finds the file shorter than the mapping.
public sealed partial class MemoryMapping
{
    private readonly bool directAccess;

    /// <summary>True when the file behind the mapping is a regular file (not a device): known from creation, since a descriptor's file type never changes.</summary>
    private readonly bool regularFile;
    private AccessPath readPath;
    private AccessPath writePath;

    /// <summary>How reads reach the memory. Settable (to a path the mapping allows) only so that tests and benchmarks can compare paths.</summary>
    internal AccessPath ReadPath
    {
        get => readPath;
        set => readPath = Allows(value, write: false) ? value : throw new ArgumentException($"Mapping {Id} ({Kind}) cannot be read by the {value} path.", nameof(value));
    }

    /// <summary>How writes reach the memory. Settable like <see cref="ReadPath"/>.</summary>
    internal AccessPath WritePath
    {
        get => writePath;
        set => writePath = Allows(value, write: true) ? value : throw new ArgumentException($"Mapping {Id} ({Kind}) cannot be written by the {value} path.", nameof(value));
    }

    /// <summary>Direct for anonymous memory, else Guarded where the helper is loaded, else File (pread) for a shared regular-file mapping, else Kernel.</summary>
    private AccessPath ChooseReadPath() =>
        directAccess ? AccessPath.Direct
        : Allows(AccessPath.Guarded, write: false) ? AccessPath.Guarded
        : Allows(AccessPath.File, write: false) ? AccessPath.File
        : AccessPath.Kernel;

    /// <summary>Direct for anonymous memory, else Guarded where the helper is loaded, else Kernel.</summary>
    private AccessPath ChooseWritePath() =>
        directAccess ? AccessPath.Direct
        : Allows(AccessPath.Guarded, write: true) ? AccessPath.Guarded
        : AccessPath.Kernel;

    /// <summary>Whether this mapping may be accessed by <paramref name="path"/>: see the comment at the top.</summary>
    private bool Allows(AccessPath path, bool write) => path switch
    {
        AccessPath.Direct => directAccess,
        AccessPath.Guarded => GuardedCopy.IsAvailable && (regularFile || AllowsDirectAccess(Kind)), // not a device: its memory may be I/O registers
        AccessPath.File => !write && regularFile && Kind is MappingKind.SharedFile, // pread would read the file, not a private mapping's copies
        _ => true,
    };

    /// <summary>Whether memory of <paramref name="kind"/> may be copied directly: only anonymous memory (see the comment at the top).</summary>
    private static bool AllowsDirectAccess(MappingKind kind) => kind is MappingKind.PrivateAnonymous or MappingKind.SharedAnonymous;

    /// <summary>Reads <paramref name="count"/> bytes starting at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping's <see cref="Length"/>.</exception>
    /// <exception cref="MappingAccessException">A page is not readable, was unmapped, or no longer exists.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public byte[] Read(long offset, int count)
    {
        CheckRange(offset, count);
        if (count > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"An array holds at most {Array.MaxLength} bytes: read mapping {Id} in parts of at most that many bytes.");
        }
        byte[] buffer = GC.AllocateUninitializedArray<byte>(count);
        Read(offset, buffer);
        return buffer;
    }

    /// <summary>Fills <paramref name="destination"/> with the bytes starting at <paramref name="offset"/>.</summary>
    /// <inheritdoc cref="Read(long, int)" path="/exception"/>
    public unsafe void Read(long offset, Span<byte> destination)
    {
        fixed (byte* buffer = destination)
        {
            Copy(offset, buffer, destination.Length, MemoryProtection.Read);
        }
    }

    /// <summary>Writes <paramref name="source"/> starting at <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the mapping's <see cref="Length"/>; nothing is written.</exception>
    /// <exception cref="MappingAccessException">A page is not writable, was unmapped, or no longer exists; bytes before <see cref="MappingAccessException.Offset"/> were written.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public unsafe void Write(long offset, ReadOnlySpan<byte> source)
    {
        fixed (byte* buffer = source)
        {
            Copy(offset, buffer, source.Length, MemoryProtection.Write);
        }
    }

    /// <summary>Checks that [offset, offset + count) lies inside the bytes the user mapped (<see cref="Length"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // every access runs it: the check inline, the message out of line
    internal void CheckRange(long offset, long count)
    {
        long length = Length;
        if (offset < 0 || count < 0 || offset > length || count > length - offset)
        {
            ThrowOutOfRange(offset, count, length);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowOutOfRange(long offset, long count, long length)
    {
        string reason = offset < 0 || count < 0
            ? $"offset {offset} with count {count} is not a range (both must be 0 or more)"
            : $"offset {offset} with count {count} reaches byte {offset + count - 1}, past its end";
        throw new ArgumentOutOfRangeException(nameof(offset), offset,
            $"Mapping {Id} ({Describe()}) holds {length} bytes (offsets 0 to {length - 1}); {reason}. "
            + (Path is null
                ? "Map more memory, or grow it with Resize-MemoryMapping."
                : "To get more room, grow it with Resize-MemoryMapping -ExtendFile, or map it anew with New-MemoryMapping -Create -Length."));
    }

    /// <summary>Refuses an access that touches a hole or a page whose protection does not allow it. Call under the gate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the common case inline: a uniform map allows it everywhere
    internal void CheckAccessLocked(long offset, long count, MemoryProtection access)
    {
        if (!pages.AllowsEverywhere(access))
        {
            CheckRunsLocked(offset, count, access);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CheckRunsLocked(long offset, long count, MemoryProtection access)
    {
        if (pages.FirstDenying(offset, count, access) is { } run)
        {
            long at = Math.Max(offset, run.Offset);
            throw run.IsMapped
                ? new MappingAccessException(Id, at, access, MappingAccessFault.Protection,
                    $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {at}: the page there is protected {run.Protection}. Change its protection to allow {access} first (Set-MappingProtection).")
                : new MappingAccessException(Id, at, access, MappingAccessFault.Unmapped,
                    $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {at}: offsets {run.Offset} to {run.End - 1} were unmapped (Remove-MemoryMapping -Offset -Count). Use the pages that are still mapped.");
        }
    }

    private unsafe void Copy(long offset, byte* buffer, int count, MemoryProtection access)
    {
        using UseScope use = EnterUse();
        CheckRange(offset, count); // under the gate: a resize may have changed Length since the caller looked
        CheckAccessLocked(offset, count, access);
        long copied = TransferLocked(offset, buffer, count, access);
        if (copied < count)
        {
            throw KernelRefused(offset + copied, access);
        }
    }

    /// <summary>
    /// Copies <paramref name="count"/> bytes between the mapping at <paramref name="offset"/> and
    /// <paramref name="buffer"/> by the mapping's access path; returns how many were copied before a
    /// page refused (the File path throws instead). Call under the gate, after the checks.
    /// </summary>
    private unsafe long TransferLocked(long offset, byte* buffer, long count, MemoryProtection access)
    {
        bool write = access == MemoryProtection.Write;
        nint mapped = address + (nint)offset;
        switch (write ? writePath : readPath)
        {
            case AccessPath.Direct:
                // Safe only here, under the gate and after the checks: see the comment at the top.
                Buffer.MemoryCopy(write ? buffer : (byte*)mapped, write ? (byte*)mapped : buffer, count, count);
                return count;
            case AccessPath.File:
                CheckFileEndLocked(offset, count, access);
                ReadFromFileLocked(offset, new Span<byte>(buffer, checked((int)count)));
                return count;
            case AccessPath.Guarded:
                nint sentinel = SentinelFor(offset, count, access);
                if (count <= GuardedCopy.SmallCopyLimit)
                {
                    // A few bytes (a typed value that is not aligned): one call without the copy's
                    // sigsetjmp. After a fault, the guarded copy below redoes it and counts exactly.
                    int small = GuardedCopy.SmallCopy(mapped, buffer, count, write, sentinel);
                    if (small == 0)
                    {
                        return count;
                    }
                    if (small == GuardedCopy.ValueSentinelGone)
                    {
                        CheckFileEndLocked(offset, count, access);
                        sentinel = 0;
                    }
                }
                long copied = GuardedCopy.Copy(mapped, buffer, count, write, sentinel);
                if (copied == GuardedCopy.SentinelGone)
                {
                    CheckFileEndLocked(offset, count, access);
                    copied = GuardedCopy.Copy(mapped, buffer, count, write);
                }
                return copied;
            default:
                CheckFileEndLocked(offset, count, access);
                return KernelCopy.Copy(mapped, buffer, count, write);
        }
    }

    /// <summary>
    /// Reads with pread from the mapped file what the mapping shows there. Call under the gate, after
    /// the checks (the end of the file among them): a read that ends early met a truncation since,
    /// and fails as a kernel copy would.
    /// </summary>
    private void ReadFromFileLocked(long offset, Span<byte> destination)
    {
        for (int done = 0; done < destination.Length;)
        {
            int read;
            try
            {
                read = RandomAccess.Read(file!, destination[done..], Offset + offset + done);
            }
            catch (IOException)
            {
                read = 0;
            }
            if (read == 0)
            {
                throw KernelRefused(offset + done, MemoryProtection.Read);
            }
            done += read;
        }
    }

    /// <summary>
    /// The sentinel page's address for a guarded access of [offset, offset + count) to a regular file
    /// (see the comment at the top: the last readable page, where a load cannot SIGSEGV), when the
    /// access ends before that page; else 0, after checking the end of the file with fstat (which
    /// throws when the access reaches past it). Call under the gate.
    /// </summary>
    private nint SentinelFor(long offset, long count, MemoryProtection access)
    {
        if (!regularFile || count <= 0)
        {
            return 0;
        }
        long sentinel = pages.LastReadablePage;
        if (sentinel > 0 && offset + count <= sentinel)
        {
            return address + (nint)sentinel;
        }
        CheckFileEndLocked(offset, count, access);
        return 0;
    }

    /// <summary>
    /// Refuses an access of [offset, offset + count) to a regular file that reaches a byte at or past
    /// the file's current end (see the comment at the top): one fstat. Nothing is touched when it
    /// throws. Call under the gate; every way to touch the bytes of a file mapping calls it, or proves
    /// the same with the sentinel page.
    /// </summary>
    internal void CheckFileEndLocked(long offset, long count, MemoryProtection access)
    {
        if (!regularFile || count <= 0)
        {
            return;
        }
        long size = CurrentFileSize();
        if (Offset + offset + count > size)
        {
            throw BeyondEndOfFile(Math.Max(offset, size - Offset), size, access);
        }
    }

    /// <summary>The mapped file's size now (fstat).</summary>
    private long CurrentFileSize() => Libc.Fstat(file!, out Libc.FileStatus status) == 0 ? status.Size : throw Errno.Last("fstat", Describe());

    private MappingAccessException BeyondEndOfFile(long offset, long size, MemoryProtection access) =>
        new(Id, offset, access, MappingAccessFault.BeyondEndOfFile,
            $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {offset}: the file is now {size} bytes long (was it truncated by another process?), so that byte is past its end, where a write would never reach the file. Nothing was {(access == MemoryProtection.Write ? "written" : "read")}. Extend the file again, or remove the mapping and map the file anew.");

    /// <summary>Explains why the kernel stopped a copy at <paramref name="offset"/>, which the checks allowed.</summary>
    internal MappingAccessException KernelRefused(long offset, MemoryProtection access)
    {
        if (regularFile && Libc.Fstat(file!, out Libc.FileStatus status) == 0
            && Offset + offset >= status.Size)
        {
            return new MappingAccessException(Id, offset, access, MappingAccessFault.BeyondEndOfFile,
                $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {offset}: the file is now {status.Size} bytes long, so that page no longer exists (was it truncated by another process?). No byte at or past that offset was touched. Extend the file again, or remove the mapping and map the file anew.");
        }
        if (regularFile && access == MemoryProtection.Write && Libc.FreeBlocks(file!) == 0)
        {
            return new MappingAccessException(Id, offset, access, MappingAccessFault.Refused,
                $"Cannot write mapping {Id} ({Describe()}) at offset {offset}: its file system is full, and that page of the file has no disk block yet (a file extended by Create, -ExtendFile or truncate gets its blocks when first written). No byte at or past that offset was written. Free space on the file system, then write again.");
        }
        return new MappingAccessException(Id, offset, access, MappingAccessFault.Refused, regularFile
            ? $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {offset}: the kernel refused the access (EFAULT). The page is inside the file now, so most likely another process truncated the file and extended it again while the copy ran; the file could also not be read (an I/O error), or the pages were unmapped or reprotected outside MemMap. No byte at or past that offset was {(access == MemoryProtection.Write ? "written" : "read")}; try again."
            : $"Cannot {Verb(access)} mapping {Id} ({Describe()}) at offset {offset}: the kernel refused the access (EFAULT, or SIGBUS for a huge page the pool could not supply); the pages may have been unmapped or reprotected outside MemMap, or belong to a device whose memory the kernel does not copy.");
    }

    private static string Verb(MemoryProtection access) => access == MemoryProtection.Write ? "write" : "read";
}
