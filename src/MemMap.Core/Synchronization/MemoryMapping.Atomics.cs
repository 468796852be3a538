using System.Numerics;
using System.Runtime.CompilerServices;
using MemMap.Interop;

namespace MemMap;

// Atomic values: one load, store, fetch-add or compare-and-swap of a naturally aligned integer of
// 1, 2, 4 or 8 bytes, under the gate after the usual bounds, hole and protection checks, by the
// mapping's write path (see MemoryMapping.Access.cs):
// - Direct (anonymous memory): Interlocked on the address; 1 and 2-byte values by a
//   compare-and-swap of the aligned 4-byte word around them (.NET 8 has no smaller Interlocked),
//   which rewrites the other bytes of that word with what they held.
// - Guarded (files, shared memory, huge pages): the same instructions inside the native helper,
//   where a page another process truncated away is Access.BeyondEndOfFile, not a SIGBUS.
// - Kernel (devices, or no helper): refused. No system call is one atomic instruction on
//   another process's view of the memory, and a silent non-atomic fallback would lose updates.
// Everything is sequentially consistent (the waiter protocol in WaiterTable.cs relies on it) and in
// this machine's byte order. Writers wake the waiters of Wait-MappedValue (MemoryMapping.Wait.cs).
public sealed partial class MemoryMapping
{
    /// <summary>Adds <paramref name="value"/> (which may be negative) to the integer at <paramref name="offset"/> in one atomic step, wrapping around like <see cref="Interlocked.Add(ref int, int)"/>, and returns the new value. Wakes its waiters.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an integer type, <paramref name="offset"/> is not a multiple of its size, or the value is not inside <see cref="Length"/>.</exception>
    /// <exception cref="MappingAccessException">The page is not readable and writable, was unmapped, or no longer exists.</exception>
    /// <exception cref="MappingOperationException">The mapping cannot do atomic operations (device memory, or the native helper is missing).</exception>
    /// <exception cref="MappingClosedException">The mapping was removed.</exception>
    public T AddValue<T>(long offset, T value) where T : unmanaged, IBinaryInteger<T>
    {
        ulong before = Atomic<T>(offset, AtomicOperation.Add, Bits(value), 0);
        return T.CreateTruncating(before) + value;
    }

    /// <summary>Writes <paramref name="value"/> at <paramref name="offset"/> only if the integer there equals <paramref name="expected"/>, in one atomic step (compare-and-swap); true when it wrote. Wakes its waiters when it wrote.</summary>
    /// <inheritdoc cref="AddValue{T}(long, T)" path="/exception"/>
    public bool CompareExchangeValue<T>(long offset, T expected, T value) where T : unmanaged, IBinaryInteger<T>
    {
        ulong before = Atomic<T>(offset, AtomicOperation.CompareExchange, Bits(value), Bits(expected));
        return T.CreateTruncating(before) == expected;
    }

    /// <summary><see cref="AddValue{T}(long, T)"/> for an integer type named at run time; <paramref name="value"/> is converted to it first (see <see cref="NumericValueTypes.Convert(object, Type)"/>).</summary>
    /// <inheritdoc cref="AddValue{T}(long, T)" path="/exception"/>
    public object AddValue(Type type, long offset, object value) => Type.GetTypeCode(RequireInteger(type)) switch
    {
        TypeCode.SByte => AddValue(offset, NumericValueTypes.Convert<sbyte>(value)),
        TypeCode.Byte => AddValue(offset, NumericValueTypes.Convert<byte>(value)),
        TypeCode.Int16 => AddValue(offset, NumericValueTypes.Convert<short>(value)),
        TypeCode.UInt16 => AddValue(offset, NumericValueTypes.Convert<ushort>(value)),
        TypeCode.Int32 => AddValue(offset, NumericValueTypes.Convert<int>(value)),
        TypeCode.UInt32 => AddValue(offset, NumericValueTypes.Convert<uint>(value)),
        TypeCode.Int64 => AddValue(offset, NumericValueTypes.Convert<long>(value)),
        _ => AddValue(offset, NumericValueTypes.Convert<ulong>(value)),
    };

    /// <summary><see cref="CompareExchangeValue{T}(long, T, T)"/> for an integer type named at run time.</summary>
    /// <inheritdoc cref="AddValue{T}(long, T)" path="/exception"/>
    public bool CompareExchangeValue(Type type, long offset, object expected, object value) => Type.GetTypeCode(RequireInteger(type)) switch
    {
        TypeCode.SByte => CompareExchangeValue(offset, NumericValueTypes.Convert<sbyte>(expected), NumericValueTypes.Convert<sbyte>(value)),
        TypeCode.Byte => CompareExchangeValue(offset, NumericValueTypes.Convert<byte>(expected), NumericValueTypes.Convert<byte>(value)),
        TypeCode.Int16 => CompareExchangeValue(offset, NumericValueTypes.Convert<short>(expected), NumericValueTypes.Convert<short>(value)),
        TypeCode.UInt16 => CompareExchangeValue(offset, NumericValueTypes.Convert<ushort>(expected), NumericValueTypes.Convert<ushort>(value)),
        TypeCode.Int32 => CompareExchangeValue(offset, NumericValueTypes.Convert<int>(expected), NumericValueTypes.Convert<int>(value)),
        TypeCode.UInt32 => CompareExchangeValue(offset, NumericValueTypes.Convert<uint>(expected), NumericValueTypes.Convert<uint>(value)),
        TypeCode.Int64 => CompareExchangeValue(offset, NumericValueTypes.Convert<long>(expected), NumericValueTypes.Convert<long>(value)),
        _ => CompareExchangeValue(offset, NumericValueTypes.Convert<ulong>(expected), NumericValueTypes.Convert<ulong>(value)),
    };

    /// <summary>Refuses a type that is not one of the eight integer types: atomics, waits and compare-and-swap work on integers only.</summary>
    internal static Type RequireInteger(Type type) => NumericValueTypes.Require(type) is var known && known != typeof(float) && known != typeof(double)
        ? known
        : throw new ArgumentException($"{type.Name} is not an integer type: atomic operations and waits work on SByte, Byte, Int16, UInt16, Int32, UInt32, Int64 and UInt64 (compare a floating-point value's bits as the integer of its size).", nameof(type));

    /// <summary>The value's bits, zero-extended (sign bits past its size are cut off where it is stored).</summary>
    private static ulong Bits<T>(T value) where T : unmanaged
    {
        ulong bits = 0;
        Unsafe.As<ulong, T>(ref bits) = value; // little-endian: the value's bytes are the low bytes
        return bits;
    }

    /// <summary>Whether an access of <paramref name="size"/> bytes at <paramref name="offset"/> can be one atomic instruction here: aligned, and a path that can do it.</summary>
    private bool IsAtomic(long offset, int size) => size is 1 or 2 or 4 or 8 && (offset & (size - 1)) == 0 && writePath is AccessPath.Direct or AccessPath.Guarded;

    /// <summary>One checked atomic operation on the <typeparamref name="T"/> at <paramref name="offset"/>; returns the value before it. Wakes waiters after a write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // inline in each caller, so that its operation and size are constants and the switches fold away
    private ulong Atomic<T>(long offset, AtomicOperation operation, ulong operand, ulong expected) where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        RequireAligned(offset, size, typeof(T));
        MemoryProtection access = operation switch
        {
            AtomicOperation.Load => MemoryProtection.Read,
            AtomicOperation.Store => MemoryProtection.Write,
            _ => MemoryProtection.ReadWrite,
        };
        using UseScope use = EnterUse();
        CheckRange(offset, size);
        CheckAccessLocked(offset, size, access);
        RequireAtomicPathLocked();
        if (writePath == AccessPath.Guarded)
        {
            return GuardedAtomicLocked(offset, size, operation, operand, expected, access);
        }
        ulong before = AtomicLocked(offset, size, operation, operand, expected);
        if (Wrote(operation, before, expected, size))
        {
            WakeLocked(offset, size);
        }
        return before;
    }

    private static bool Wrote(AtomicOperation operation, ulong before, ulong expected, int size) =>
        operation != AtomicOperation.Load && (operation != AtomicOperation.CompareExchange || before == (expected & Mask(size)));

    /// <summary>
    /// The guarded path's atomic in one native call (GuardedCopy.Value): the file-end probe first (a
    /// value in the unsaved tail of a truncated file's last page would be lost), then the
    /// instruction, then, after a write, the waiter counts of its words, whose waiters it then wakes.
    /// Call under the gate, after the checks.
    /// </summary>
    private ulong GuardedAtomicLocked(long offset, int size, AtomicOperation operation, ulong operand, ulong expected, MemoryProtection access)
    {
        bool writes = operation != AtomicOperation.Load;
        bool crossProcess = crossProcessWaits;
        long firstWord = offset & ~3L;
        ValueOperation value = new()
        {
            At = address + (nint)offset,
            Sentinel = SentinelFor(offset, size, access), // or 0, after an fstat, in the last page
            FirstWaiters = writes ? WaiterTable.CounterAddress(crossProcess, WaitKeyLocked(firstWord)) : 0,
            SecondWaiters = writes && size == 8 ? WaiterTable.CounterAddress(crossProcess, WaitKeyLocked(firstWord + 4)) : 0,
            Operand = operand,
            Expected = expected,
            Size = size,
            Operation = operation,
        };
        int result = GuardedCopy.Value(ref value);
        if (result == GuardedCopy.ValueSentinelGone)
        {
            CheckFileEndLocked(offset, size, access); // the sentinel page is gone: ask fstat, which throws past the end
            value.Sentinel = 0;
            result = GuardedCopy.Value(ref value);
        }
        if (result == GuardedCopy.ValueFaulted)
        {
            throw KernelRefused(offset, writes ? MemoryProtection.Write : MemoryProtection.Read);
        }
        if (Wrote(operation, value.Before, expected, size))
        {
            // A counter the helper could not read (bit set) or that does not exist (address 0) may hide a waiter.
            if ((result & 1) != 0 || value.FirstWaiters == 0)
            {
                Libc.FutexWake(address + (nint)firstWord, !crossProcess);
            }
            if (size == 8 && ((result & 2) != 0 || value.SecondWaiters == 0))
            {
                Libc.FutexWake(address + (nint)firstWord + 4, !crossProcess);
            }
        }
        return value.Before;
    }

    /// <summary>Refuses an offset that is not a multiple of the value's size, naming the alignment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RequireAligned(long offset, int size, Type type)
    {
        if ((offset & (size - 1)) != 0) // size is a power of two: no division on every access
        {
            ThrowUnaligned(offset, size, type);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowUnaligned(long offset, int size, Type type)
    {
        throw new ArgumentException(
            $"Offset {offset} is not aligned for an atomic {type.Name} in mapping {Id} ({Describe()}): it needs {size}-byte alignment (an offset that is a multiple of {size}, such as {offset - offset % size} or {offset - offset % size + size}). An unaligned value would be split across cache lines, which is neither atomic nor allowed.", nameof(offset));
    }

    private static ulong Mask(int size) => size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    /// <summary>The operation itself, without the file-end probe or a wake (for Wait-MappedValue's reads). Call under the gate, after the checks, on the Direct or Guarded path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe ulong AtomicLocked(long offset, int size, AtomicOperation operation, ulong operand, ulong expected)
    {
        nint at = address + (nint)offset;
        if (writePath == AccessPath.Guarded)
        {
            return GuardedCopy.Atomic(at, size, operation, operand, expected, out ulong before)
                ? before
                : throw KernelRefused(offset, operation == AtomicOperation.Load ? MemoryProtection.Read : MemoryProtection.Write);
        }
        switch (size)
        {
            case 4:
                ref int word = ref *(int*)at;
                return (uint)(operation switch
                {
                    AtomicOperation.Load => Volatile.Read(ref word),
                    AtomicOperation.Store => Interlocked.Exchange(ref word, (int)operand),
                    AtomicOperation.Add => Interlocked.Add(ref word, (int)operand) - (int)operand,
                    _ => Interlocked.CompareExchange(ref word, (int)operand, (int)expected),
                });
            case 8:
                ref long value = ref *(long*)at;
                return (ulong)(operation switch
                {
                    AtomicOperation.Load => Volatile.Read(ref value),
                    AtomicOperation.Store => Interlocked.Exchange(ref value, (long)operand),
                    AtomicOperation.Add => Interlocked.Add(ref value, (long)operand) - (long)operand,
                    _ => Interlocked.CompareExchange(ref value, (long)operand, (long)expected),
                });
            default:
                return SmallAtomic((uint*)(at & ~(nint)3), (int)(at & 3) * 8, size, operation, operand, expected);
        }
    }

    /// <summary>A 1 or 2-byte operation as a compare-and-swap loop on the aligned word that holds it (bits <paramref name="shift"/> on, little-endian).</summary>
    private static unsafe ulong SmallAtomic(uint* word, int shift, int size, AtomicOperation operation, ulong operand, ulong expected)
    {
        uint mask = (uint)Mask(size) << shift;
        while (true)
        {
            uint seen = Volatile.Read(ref *word);
            uint before = (seen & mask) >> shift;
            uint after = operation switch
            {
                AtomicOperation.Load => seen,
                AtomicOperation.Store => (uint)operand,
                AtomicOperation.Add => before + (uint)operand,
                _ => before == (uint)(expected & Mask(size)) ? (uint)operand : before,
            };
            uint replacement = (seen & ~mask) | ((after << shift) & mask);
            if (operation == AtomicOperation.Load || Interlocked.CompareExchange(ref *word, replacement, seen) == seen)
            {
                return before;
            }
        }
    }
}
