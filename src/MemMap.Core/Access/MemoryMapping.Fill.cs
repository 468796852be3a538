using System.Buffers;

namespace MemMap;

// memset of a range, by the mapping's write path (see MemoryMapping.Access.cs): on anonymous memory
// a plain Span.Fill (Direct); on files and shared memory a memset in the native helper (Guarded),
// refused with nothing set when it reaches the file's current end;
// else without touching the mapped memory: a pattern buffer of the byte is written through the
// kernel, many times per system call (one vector per repetition).
public sealed partial class MemoryMapping
{
    /// <summary>How many bytes of the value one pattern buffer holds (1024 vectors of it per system call); measured: 64 KiB to 1 MiB fill equally fast.</summary>
    internal const int FillPatternLength = 256 << 10;

    /// <summary>Sets <paramref name="count"/> bytes starting at <paramref name="offset"/> to <paramref name="value"/> (memset).</summary>
    /// <inheritdoc cref="Write(long, ReadOnlySpan{byte})" path="/exception"/>
    public unsafe void Fill(long offset, long count, byte value)
    {
        CheckRange(offset, count);
        using UseScope use = EnterUse();
        CheckRange(offset, count); // again under the gate: a resize may have changed Length
        CheckAccessLocked(offset, count, MemoryProtection.Write);
        long written = writePath switch
        {
            AccessPath.Direct => FillDirectLocked(offset, count, value),
            AccessPath.Guarded => FillGuardedLocked(offset, count, value),
            _ => FillThroughKernelLocked(offset, count, value),
        };
        if (written < count)
        {
            throw KernelRefused(offset + written, MemoryProtection.Write);
        }
    }

    /// <summary>Span.Fill on the mapped memory: safe only on the Direct path, under the gate, after the checks.</summary>
    private unsafe long FillDirectLocked(long offset, long count, byte value)
    {
        for (long done = 0; done < count; done += int.MaxValue)
        {
            new Span<byte>((void*)(address + (nint)(offset + done)), (int)Math.Min(count - done, int.MaxValue)).Fill(value);
        }
        return count;
    }

    /// <summary>memset in the native helper, after the end-of-file check (see SentinelFor); returns how many bytes were set before a page raised SIGBUS.</summary>
    private long FillGuardedLocked(long offset, long count, byte value)
    {
        long written = GuardedCopy.Fill(address + (nint)offset, count, value, SentinelFor(offset, count, MemoryProtection.Write));
        if (written == GuardedCopy.SentinelGone)
        {
            CheckFileEndLocked(offset, count, MemoryProtection.Write);
            written = GuardedCopy.Fill(address + (nint)offset, count, value);
        }
        return written;
    }

    /// <summary>Writes a pattern buffer of the byte through the kernel, after the end-of-file check; returns how many bytes were written before a page refused.</summary>
    private unsafe long FillThroughKernelLocked(long offset, long count, byte value)
    {
        if (count == 0)
        {
            return 0;
        }
        CheckFileEndLocked(offset, count, MemoryProtection.Write);
        int patternLength = (int)Math.Min(count, FillPatternLength);
        byte[] pattern = ArrayPool<byte>.Shared.Rent(patternLength);
        try
        {
            pattern.AsSpan(0, patternLength).Fill(value);
            fixed (byte* source = pattern)
            {
                return KernelCopy.Fill(address + (nint)offset, count, source, patternLength);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pattern);
        }
    }
}
