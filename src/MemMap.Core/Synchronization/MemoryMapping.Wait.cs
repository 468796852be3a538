using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using MemMap.Interop;

namespace MemMap;

// Waiting for a value: a futex wait on the aligned 32-bit word that holds it (the word itself for
// 4 and 8-byte values: the low half of an 8-byte one, whose writers wake that word too).
// - Across processes on shared file and shared-memory mappings: the kernel keys such a futex by the
//   page of the file, so a waiter in one process and a MemMap writer in another meet. Writers wake
//   at once (WakeLocked, after every value write, when WaiterTable says someone may wait); a writer
//   that is not MemMap (another program, or Set-MappedByte) does not wake: the waiter re-reads the
//   value every PollInterval.
// - Never blocking: the gate is held only to check and read the value, never while sleeping, so
//   Remove-MemoryMapping and resize are not held up; a sleep lasts at most PollInterval, the time
//   left, or until cancellation (which wakes the word), so a timeout or Ctrl+C ends the wait promptly
//   and no thread is left behind. The sleep outside the gate may meet an unmapped or reused
//   address: futex only reads it, and EFAULT or an early return just means "look again".
public sealed partial class MemoryMapping
{
    /// <summary>How often a waiter re-reads the value on its own: the longest a write by a program other than MemMap goes unseen.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Waits until the integer at <paramref name="offset"/> equals <paramref name="value"/> (or, with
    /// <paramref name="notEqual"/>, differs from it) and returns the value seen.
    /// </summary>
    /// <param name="offset">A multiple of the value's size, from the start of the mapping.</param>
    /// <param name="value">The value to wait for (or to wait to leave).</param>
    /// <param name="notEqual">Wait until the value differs from <paramref name="value"/>.</param>
    /// <param name="timeout">The longest to wait; null waits until cancelled.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="MappingTimeoutException">The time ran out.</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled.</exception>
    /// <inheritdoc cref="AddValue{T}(long, T)" path="/exception"/>
    public T WaitValue<T>(long offset, T value, bool notEqual = false, TimeSpan? timeout = null, CancellationToken cancellationToken = default) where T : unmanaged, IBinaryInteger<T>
    {
        int size = Unsafe.SizeOf<T>();
        RequireAligned(offset, size, typeof(T));
        long wordOffset = offset & ~3L;
        bool crossProcess = CrossProcessWaits;
        long started = Stopwatch.GetTimestamp();
        ulong key = 0;
        nint word = 0;
        bool counted = false;
        using CancellationTokenRegistration wakeOnCancel = cancellationToken.Register(() =>
        {
            nint at = Volatile.Read(ref word);
            if (at != 0)
            {
                Libc.FutexWake(at, !crossProcess);
            }
        });
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                T seen;
                uint wordValue;
                using (UseScope use = EnterUse())
                {
                    CheckRange(offset, size);
                    CheckAccessLocked(offset, size, MemoryProtection.Read);
                    RequireAtomicPathLocked();
                    if (!counted)
                    {
                        // Counted before the first read: a writer that writes after this read sees the count (WaiterTable.cs).
                        key = WaitKeyLocked(wordOffset);
                        WaiterTable.Enter(crossProcess, key);
                        counted = true;
                    }
                    seen = T.CreateTruncating(AtomicLocked(offset, size, AtomicOperation.Load, 0, 0));
                    if ((seen == value) != notEqual)
                    {
                        return seen;
                    }
                    wordValue = (uint)AtomicLocked(wordOffset, sizeof(uint), AtomicOperation.Load, 0, 0);
                    Volatile.Write(ref word, address + (nint)wordOffset);
                }
                TimeSpan left = timeout is { } limit ? limit - Stopwatch.GetElapsedTime(started) : PollInterval;
                if (left <= TimeSpan.Zero)
                {
                    throw new MappingTimeoutException(MappingTimeoutKind.Wait, Id, timeout!.Value,
                        $"Waited {timeout.Value.TotalSeconds:0.###} s for the {typeof(T).Name} at offset {offset} of mapping {Id} ({Describe()}) to {(notEqual ? "differ from" : "become")} {value}; it is {seen}. Wait longer (-Timeout), or check that the writer runs.");
                }
                if (cancellationToken.IsCancellationRequested)
                {
                    continue; // cancelled after the registration's wake: do not sleep
                }
                Libc.FutexWait(Volatile.Read(ref word), wordValue, left < PollInterval ? left : PollInterval, !crossProcess);
            }
        }
        finally
        {
            if (counted)
            {
                WaiterTable.Leave(crossProcess, key);
            }
        }
    }

    /// <summary><see cref="WaitValue{T}"/> for an integer type named at run time; <paramref name="value"/> is converted to it first.</summary>
    /// <inheritdoc cref="WaitValue{T}"/>
    public object WaitValue(Type type, long offset, object value, bool notEqual = false, TimeSpan? timeout = null, CancellationToken cancellationToken = default) => Type.GetTypeCode(RequireInteger(type)) switch
    {
        TypeCode.SByte => WaitValue(offset, NumericValueTypes.Convert<sbyte>(value), notEqual, timeout, cancellationToken),
        TypeCode.Byte => WaitValue(offset, NumericValueTypes.Convert<byte>(value), notEqual, timeout, cancellationToken),
        TypeCode.Int16 => WaitValue(offset, NumericValueTypes.Convert<short>(value), notEqual, timeout, cancellationToken),
        TypeCode.UInt16 => WaitValue(offset, NumericValueTypes.Convert<ushort>(value), notEqual, timeout, cancellationToken),
        TypeCode.Int32 => WaitValue(offset, NumericValueTypes.Convert<int>(value), notEqual, timeout, cancellationToken),
        TypeCode.UInt32 => WaitValue(offset, NumericValueTypes.Convert<uint>(value), notEqual, timeout, cancellationToken),
        TypeCode.Int64 => WaitValue(offset, NumericValueTypes.Convert<long>(value), notEqual, timeout, cancellationToken),
        _ => WaitValue(offset, NumericValueTypes.Convert<ulong>(value), notEqual, timeout, cancellationToken),
    };

    /// <summary>Waiters of shared file and shared-memory mappings may sit in other processes; those of anonymous and private memory only in this one.</summary>
    private bool CrossProcessWaits => file is not null && IsShared;

    /// <summary>Wakes the waiters on the words of [offset, offset + count), for writes by the copy path (several values, unaligned ones).</summary>
    private void WakeWaiters(long offset, long count)
    {
        using UseScope use = EnterUse();
        WakeLocked(offset, count);
    }

    /// <summary>Wakes the waiters on every futex word that [offset, offset + count) touches, where <see cref="WaiterTable"/> says there may be some. Call under the gate.</summary>
    private void WakeLocked(long offset, long count)
    {
        bool crossProcess = CrossProcessWaits;
        for (long wordOffset = offset & ~3L; wordOffset < offset + count; wordOffset += sizeof(uint))
        {
            if (WaiterTable.MayHaveWaiters(crossProcess, WaitKeyLocked(wordOffset)))
            {
                Libc.FutexWake(address + (nint)wordOffset, !crossProcess);
            }
        }
    }

    /// <summary>How <see cref="WaiterTable"/> names the word at <paramref name="wordOffset"/>: the file and its offset in it across processes, else the address. Call under the gate.</summary>
    private ulong WaitKeyLocked(long wordOffset)
    {
        if (!CrossProcessWaits)
        {
            return (ulong)(address + (nint)wordOffset);
        }
        if (fileKey == 0 && Libc.Fstat(file!, out Libc.FileStatus status) == 0)
        {
            fileKey = (status.Device * 0x100000001B3UL ^ status.Inode) | 1; // 0 means "not known yet"
        }
        return fileKey * 31 + (ulong)(Offset + wordOffset);
    }

    /// <summary>Refuses a path that cannot do one atomic instruction (see MemoryMapping.Atomics.cs). Call under the gate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RequireAtomicPathLocked()
    {
        if (writePath is not (AccessPath.Direct or AccessPath.Guarded))
        {
            ThrowNoAtomicPath();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowNoAtomicPath()
    {
        throw new MappingOperationException(
            $"Mapping {Id} ({Describe()}) cannot do atomic operations: " + (GuardedCopy.IsAvailable
                ? "it maps a device, whose memory MemMap reaches only through the kernel's copy, one call per access."
                : $"MemMap's native helper is not loaded ({GuardedCopy.UnavailableReason}), and the kernel's copy is not one atomic step. Reinstall the module with its runtimes folder."));
    }
}
