using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace MemMap;

/// <summary>
/// Copies and fills mapped memory with memcpy/memset inside MemMap's native helper
/// (Native/memmap_guard.c, shipped as runtimes/linux-ARCH/native/libmemmap_guard.so beside this
/// assembly), whose SIGBUS handler turns a page that no longer exists (a truncated file, a full file
/// system, a missing huge page) into a short count instead of a dead process, and hands every
/// other SIGBUS to the .NET runtime's handler. Where the helper is missing or cannot be loaded,
/// <see cref="IsAvailable"/> is false and mappings use the kernel copy instead.
/// </summary>
internal static unsafe class GuardedCopy
{
    private const int ReadOperation = 0;
    private const int WriteOperation = 1;
    private const int FillOperation = 2;

    /// <summary>The helper beside this assembly, loaded once per process.</summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "A module assembly is a file beside its helper; inside a single-file app Location is empty and the app's directory is searched instead.")]
    private static readonly Helper Loaded = Load(typeof(GuardedCopy).Assembly.Location);

    // Each routine in its own static readonly field, which the JIT can read as a constant once the class is initialized.
    private static readonly delegate* unmanaged<byte*, byte*, nuint, int, nuint> Access = Loaded.Access;
    private static readonly delegate* unmanaged<ValueOperation*, int> value = Loaded.Value;
    private static readonly delegate* unmanaged<byte*, byte*, nuint, int, byte*, int> smallCopy = Loaded.SmallCopy;
    private static readonly delegate* unmanaged<byte*, byte*, nuint, int, byte*, nuint> accessWithin = Loaded.AccessWithin;
    private static readonly delegate* unmanaged<byte*, byte*, nuint, nuint> MoveAccess = Loaded.Move;

    /// <summary>What <see cref="Copy"/> and <see cref="Fill"/> return, having touched nothing, when the sentinel page they were given raised SIGBUS.</summary>
    internal const long SentinelGone = -1;

    /// <summary>Whether the native helper is loaded and its SIGBUS handler installed.</summary>
    internal static bool IsAvailable => Access != null;

    /// <summary>Why the helper is not available, or null when it is.</summary>
    internal static string? UnavailableReason => Loaded.UnavailableReason;

    /// <summary>
    /// Copies <paramref name="count"/> bytes between <paramref name="mapped"/> and <paramref name="buffer"/>; returns how many were copied before a page raised SIGBUS (all of them, and none after).
    /// With a <paramref name="sentinel"/> (not 0), one byte there is loaded first: when its page raised SIGBUS, nothing is copied and <see cref="SentinelGone"/> is returned.
    /// </summary>
    internal static long Copy(nint mapped, byte* buffer, long count, bool write, nint sentinel = 0) =>
        Run(mapped, buffer, count, write ? WriteOperation : ReadOperation, sentinel);

    /// <summary>Sets <paramref name="count"/> bytes at <paramref name="mapped"/> to <paramref name="value"/>; returns how many were set before a page raised SIGBUS, or <see cref="SentinelGone"/> as <see cref="Copy"/> does.</summary>
    internal static long Fill(nint mapped, long count, byte value, nint sentinel = 0) =>
        Run(mapped, &value, count, FillOperation, sentinel);

    private static long Run(nint mapped, byte* buffer, long count, int operation, nint sentinel)
    {
        // Stryker disable once Block : equivalent, without the block a copy with no sentinel goes to memmap_guarded_access_within with NULL, which is memmap_guarded_access
        if (sentinel == 0)
        {
            return (long)Access((byte*)mapped, buffer, (nuint)count, operation);
        }
        nuint done = accessWithin((byte*)mapped, buffer, (nuint)count, operation, (byte*)sentinel);
        // Stryker disable once Conditional,Equality : equivalent, (long)nuint.MaxValue is SentinelGone already; and SentinelGone for a copy that was done only makes the caller check the file's end and copy the same bytes again
        return done == nuint.MaxValue ? SentinelGone : (long)done;
    }

    /// <summary>The most bytes <see cref="SmallCopy"/> takes.</summary>
    internal const int SmallCopyLimit = 8;

    /// <summary>
    /// Copies at most <see cref="SmallCopyLimit"/> bytes, any alignment, in one call without the
    /// copy's sigsetjmp (Native/memmap_value.c), after the sentinel probe like <see cref="Copy"/>.
    /// Returns 0, <see cref="ValueSentinelGone"/> (nothing touched), or <see cref="ValueFaulted"/>:
    /// some bytes may be done, so redo it with <see cref="Copy"/>, which counts them exactly.
    /// </summary>
    internal static int SmallCopy(nint mapped, byte* buffer, long count, bool write, nint sentinel) =>
        smallCopy((byte*)mapped, buffer, (nuint)count, write ? 1 : 0, (byte*)sentinel);

    /// <summary>One atomic <paramref name="operation"/> on the naturally aligned <paramref name="size"/>-byte value at <paramref name="mapped"/>; false when its page raised SIGBUS. <paramref name="before"/> is the value before it.</summary>
    internal static bool Atomic(nint mapped, int size, AtomicOperation operation, ulong operand, ulong expected, out ulong before)
    {
        ValueOperation single = new() { At = mapped, Size = size, Operation = operation, Operand = operand, Expected = expected };
        int result = Value(ref single);
        before = single.Before;
        return result >= 0;
    }

    /// <summary>What <see cref="Value"/> returns when the value's page raised SIGBUS (nothing was written).</summary>
    internal const int ValueFaulted = -1;

    /// <summary>What <see cref="Value"/> returns, having touched nothing, when the sentinel page raised SIGBUS.</summary>
    internal const int ValueSentinelGone = -2;

    /// <summary>
    /// Runs one value operation in one call (Native/memmap_value.c): the sentinel probe, the atomic
    /// instruction, and after a write the waiter counts. Returns <see cref="ValueFaulted"/>,
    /// <see cref="ValueSentinelGone"/>, or after a write a mask of the waiter counts that were not 0
    /// or not readable (bit 0: <see cref="ValueOperation.FirstWaiters"/>, bit 1: <see cref="ValueOperation.SecondWaiters"/>).
    /// </summary>
    internal static int Value(ref ValueOperation operation)
    {
        fixed (ValueOperation* pointer = &operation)
        {
            return value(pointer);
        }
    }

    /// <summary>
    /// The helper's routines as one load found them (all of them, or none and why not): what the
    /// static initializer keeps, and what a test gets for a folder of its choosing.
    /// </summary>
    internal sealed class Helper
    {
        internal delegate* unmanaged<byte*, byte*, nuint, int, nuint> Access { get; init; }
        internal delegate* unmanaged<ValueOperation*, int> Value { get; init; }
        internal delegate* unmanaged<byte*, byte*, nuint, int, byte*, int> SmallCopy { get; init; }
        internal delegate* unmanaged<byte*, byte*, nuint, int, byte*, nuint> AccessWithin { get; init; }
        internal delegate* unmanaged<byte*, byte*, nuint, nuint> Move { get; init; }
        internal string? UnavailableReason { get; init; }
    }

    /// <summary>
    /// Loads runtimes/linux-ARCH/native/libmemmap_guard.so from beside <paramref name="assemblyLocation"/>
    /// (or, when that is empty, from the app's directory) and installs its SIGBUS handler, once per
    /// process however often it is loaded (pthread_once in memmap_guard.c).
    /// </summary>
    internal static Helper Load(string assemblyLocation)
    {
        string architecture = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string path = System.IO.Path.Combine(assemblyLocation.Length > 0 ? System.IO.Path.GetDirectoryName(assemblyLocation)! : AppContext.BaseDirectory,
            "runtimes", $"linux-{architecture}", "native", "libmemmap_guard.so");
        if (!NativeLibrary.TryLoad(path, out nint library))
        {
            return new Helper { UnavailableReason = $"{path} is missing or cannot be loaded" };
        }
        var install = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "memmap_guard_install");
        if (install() != 0)
        {
            // Stryker disable once String : a message no test can reach: sigaction(SIGBUS) fails only for an invalid signal or action, and these are valid
            return new Helper { UnavailableReason = "its SIGBUS handler could not be installed" };
        }
        return new Helper
        {
            Access = (delegate* unmanaged<byte*, byte*, nuint, int, nuint>)NativeLibrary.GetExport(library, "memmap_guarded_access"),
            Value = (delegate* unmanaged<ValueOperation*, int>)NativeLibrary.GetExport(library, "memmap_guarded_value"),
            SmallCopy = (delegate* unmanaged<byte*, byte*, nuint, int, byte*, int>)NativeLibrary.GetExport(library, "memmap_guarded_small_copy"),
            AccessWithin = (delegate* unmanaged<byte*, byte*, nuint, int, byte*, nuint>)NativeLibrary.GetExport(library, "memmap_guarded_access_within"),
            Move = (delegate* unmanaged<byte*, byte*, nuint, nuint>)NativeLibrary.GetExport(library, "memmap_guarded_move"),
        };
    }

    /// <summary>
    /// memmove of <paramref name="count"/> bytes from <paramref name="source"/> to <paramref name="destination"/>
    /// (either or both mapped, overlapping or not); returns how many were moved before a page raised
    /// SIGBUS: counted from the start when the destination lies below the source, else from the end.
    /// </summary>
    internal static long Move(nint destination, nint source, long count) =>
        (long)MoveAccess((byte*)destination, (byte*)source, (nuint)count);
}

/// <summary>One operation of <see cref="GuardedCopy.Value"/>: the layout of struct value_operation in Native/memmap_value.c (keep the two the same).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ValueOperation
{
    /// <summary>The value's address: naturally aligned, <see cref="Size"/> bytes.</summary>
    public nint At;

    /// <summary>A byte to load first, the file-end probe (MemoryMapping.Access.cs), or 0.</summary>
    public nint Sentinel;

    /// <summary>The waiter count to read after a write (WaiterTable), or 0.</summary>
    public nint FirstWaiters;

    /// <summary>A second waiter count (the high word of an 8-byte value), or 0.</summary>
    public nint SecondWaiters;

    /// <summary>What to store or add, or the new value of a compare-and-swap.</summary>
    public ulong Operand;

    /// <summary>A compare-and-swap's expected value.</summary>
    public ulong Expected;

    /// <summary>Out: the value before the operation (the value read, for a load).</summary>
    public ulong Before;

    /// <summary>1, 2, 4 or 8.</summary>
    public int Size;

    /// <summary>What to do.</summary>
    public AtomicOperation Operation;
}
