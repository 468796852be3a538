using MemMap.Interop;

namespace MemMap;

// Resize (mremap): shrink by unmapping the tail; grow in place by extending the last kernel area,
// or move the whole mapping when allowed. Runs under the change gate, so no read or write sees the
// mapping half-moved; every later one uses the new Address.
public sealed partial class MemoryMapping
{
    /// <summary>
    /// Grows or shrinks the mapping to <paramref name="newLength"/> bytes. Contents and page
    /// protection are kept; <see cref="Address"/> changes when the mapping moves.
    /// </summary>
    /// <param name="newLength">The new <see cref="Length"/>, greater than 0.</param>
    /// <param name="allowMove">Let the kernel move the mapping when there is no room after it (MREMAP_MAYMOVE).</param>
    /// <param name="extendFile">Extend a file that is shorter than the new length first (ftruncate); without it, a file mapping never grows past the end of its file.</param>
    /// <exception cref="ArgumentException">The new length is not allowed (past the end of the file, growing shared anonymous memory).</exception>
    /// <exception cref="MappingOperationException">The mapping has a hole, or has several kernel areas and no room to grow in place.</exception>
    /// <exception cref="SystemCallException">ftruncate or mremap failed.</exception>
    public void Resize(long newLength, bool allowMove = true, bool extendFile = false)
    {
        RefuseLength(newLength);
        using ChangeScope change = EnterChange();
        RefuseResizeLocked(newLength, extendFile);
        if (extendFile && file is not null && newLength > Length)
        {
            EnsureFileHolds(newLength, extendFile: true);
        }
        long newMapped = RoundUp(newLength);
        if (newMapped < MappedLength)
        {
            // Stryker disable once Block,Statement,String : unreachable, munmap of the mapping's own page-aligned tail cannot fail
            if (Libc.Munmap(address + (nint)newMapped, (nuint)(MappedLength - newMapped)) != 0)
            {
                throw Errno.Last("munmap", Describe());
            }
        }
        else if (newMapped > MappedLength)
        {
            ProcessLimits.ReserveAreas(1, $"grow mapping {Id}");
            ProcessLimits.ReserveAddressSpace(newMapped - MappedLength, $"grow mapping {Id}");
            address = Grow(newMapped, allowMove);
        }
        ChangePages(pages.Resized(newMapped));
        Length = newLength;
    }

    /// <summary>
    /// Checks what <see cref="Resize"/> would refuse, without changing anything: the length, holes,
    /// growing huge pages or shared anonymous memory, growing past the end of the file without
    /// <paramref name="extendFile"/>. A cmdlet calls it before ShouldProcess, so that -WhatIf answers
    /// a request that would fail with its error; Resize checks again under the gate.
    /// </summary>
    /// <exception cref="ArgumentException">The new length is not allowed.</exception>
    /// <exception cref="MappingOperationException">The mapping has a hole.</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public void CheckResize(long newLength, bool extendFile)
    {
        RefuseLength(newLength);
        using UseScope use = EnterUse();
        RefuseResizeLocked(newLength, extendFile);
    }

    private void RefuseLength(long newLength)
    {
        if (newLength <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(newLength), newLength, $"The new length must be greater than 0, not {newLength}; to remove the mapping use Remove-MemoryMapping.");
        }
        if (IsHugePages && newLength % PageSize != 0)
        {
            long pages = Math.Max(1, newLength / PageSize);
            throw new ArgumentException($"Mapping {Id} is made of huge pages of {HugePagePool.Describe(PageSize)} ({PageSize} bytes), and {newLength} bytes is not a whole number of them: give a Length of {pages * PageSize} ({pages} huge {(pages == 1 ? "page" : "pages")}).", nameof(newLength));
        }
    }

    /// <summary>The refusals that depend on the mapping's state; a file is only extended by Resize itself. Call under the gate.</summary>
    private void RefuseResizeLocked(long newLength, bool extendFile)
    {
        bool grows = RoundUp(newLength) > MappedLength;
        if (IsHugePages && grows)
        {
            throw new ArgumentException($"Mapping {Id} is made of huge pages, and Linux does not grow huge-page mappings in place or by moving them (mremap refuses it, since the pool's reservation cannot be split): map a new, larger region with HugePages and copy, or shrink instead.", nameof(newLength));
        }
        if (pages.HasHoles)
        {
            throw new MappingOperationException($"Mapping {Id} ({Describe()}) has unmapped pages ({string.Join(", ", pages.Holes)}); a mapping with a hole cannot be resized. Remove it and map anew.");
        }
        if (grows && Kind == MappingKind.SharedAnonymous)
        {
            throw new ArgumentException($"Shared anonymous memory cannot grow past its {MappedLength} mapped bytes on Linux: the new pages would have no memory behind them and raise SIGBUS. Map a new, larger region and copy, or use a shared-memory object (New-MemoryMapping -Name).", nameof(newLength));
        }
        if (!extendFile && file is not null && newLength > Length)
        {
            EnsureFileHolds(newLength, extendFile: false);
        }
    }

    /// <summary>Refuses a growth past the end of the file, or extends the file first when asked to.</summary>
    private void EnsureFileHolds(long newLength, bool extendFile)
    {
        // Stryker disable once Block,Statement,String : unreachable, the fstat of the mapping's own open descriptor cannot fail
        if (Libc.Fstat(file!, out Libc.FileStatus status) != 0)
        {
            throw Errno.Last("fstat", Describe());
        }
        long needed = Offset + newLength;
        if (needed <= status.Size)
        {
            return;
        }
        if (!extendFile)
        {
            throw new ArgumentException($"{Describe()} is {status.Size} bytes long, so mapping {Id} can grow to at most {status.Size - Offset} bytes; pages past the end of a file would raise SIGBUS. Extend the file too (-ExtendFile).", nameof(newLength));
        }
        if (Libc.Ftruncate((int)file!.DangerousGetHandle(), needed) != 0)
        {
            throw Errno.Last("ftruncate", Describe(), errno => errno is Errno.EINVAL or Errno.EBADF
                ? "The file was opened read-only (a private or read-only mapping); extend it another way, or map it shared with Write."
                : errno is Errno.ENOSPC or Errno.EFBIG ? $"The file could not be extended to {needed} bytes." : null);
        }
    }

    /// <summary>Grows the mapping to <paramref name="newMapped"/> bytes and returns its (perhaps new) address.</summary>
    private nint Grow(long newMapped, bool allowMove)
    {
        // mremap works on one kernel area: grow the last one in place, which keeps every other area as it is.
        List<ByteRange> areas = KernelAreasLocked();
        ByteRange last = areas[^1];
        nint grown = Libc.Mremap(address + (nint)last.Offset, (nuint)last.Length, (nuint)(newMapped - last.Offset), Libc.RemapFlags.None);
        if (grown != Libc.MapFailed)
        {
            return address;
        }
        int inPlaceErrno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (inPlaceErrno != Errno.ENOMEM || !allowMove)
        {
            throw new SystemCallException("mremap", inPlaceErrno, Errno.NameOf(inPlaceErrno), System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(inPlaceErrno), Describe(),
                inPlaceErrno == Errno.ENOMEM ? "There is no free address space right after the mapping to grow into; allow it to move (leave out -NoMove)."
                : inPlaceErrno == Errno.EAGAIN ? LockAdvice(inPlaceErrno) : null);
        }
        if (areas.Count > 1)
        {
            throw new MappingOperationException($"Mapping {Id} ({Describe()}) has no room to grow in place, and it cannot move because its pages form {areas.Count} kernel areas (different protection, locking or advice); mremap moves one area at a time. Give all its pages one protection (Set-MappingProtection), or map anew.");
        }
        nint moved = Libc.Mremap(address, (nuint)MappedLength, (nuint)newMapped, Libc.RemapFlags.MayMove);
        if (moved == Libc.MapFailed)
        {
            throw Errno.Last("mremap", Describe(), errno => errno == Errno.EAGAIN ? LockAdvice(errno) : errno == Errno.ENOMEM ? "Not enough address space or memory to grow the mapping." : null);
        }
        return moved;
    }

    /// <summary>The kernel's memory areas over this mapping (from /proc/self/maps), as offsets from its start. Call under the change gate.</summary>
    private List<ByteRange> KernelAreasLocked()
    {
        ulong start = (ulong)address, end = start + (ulong)MappedLength;
        var areas = new List<ByteRange>();
        foreach (ProcessMemoryRegion region in ProcessMemoryMap.Read())
        {
            if (region.End > start && region.Start < end)
            {
                ulong from = Math.Max(region.Start, start), to = Math.Min(region.End, end);
                areas.Add(new ByteRange((long)(from - start), (long)(to - from)));
            }
        }
        return areas; // never empty: the mapping's own pages are in /proc/self/maps while the change gate is held
    }
}
