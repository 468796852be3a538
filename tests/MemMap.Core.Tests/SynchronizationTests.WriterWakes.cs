using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using MemMap.Interop;

namespace MemMap.Tests;

/// <summary>
/// MemMap's writers wake a waiter at once, and make no wake call where no waiter is counted
/// (MemoryMapping.Atomics.cs, WaiterTable.cs). Seen on a real thread asleep in the futex system
/// call (its /proc/self/task/TID/syscall says so) before each write: woken, it returns in far less
/// than the poll interval it would otherwise sleep out.
/// </summary>
public sealed partial class SynchronizationTests
{
    private static readonly long FutexSyscall = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 98 : 202;
    private const int ETIMEDOUT = 110;

    /// <summary>Each kind of mapping whose writers wake: Direct with this process's waiter table, Guarded with the shared one.</summary>
    public static TheoryData<MappingKind> WakingKinds() => [MappingKind.PrivateAnonymous, MappingKind.SharedAnonymous, MappingKind.SharedFile];

    private MemoryMapping MapKind(MappingKind kind) => kind switch
    {
        MappingKind.SharedFile => SharedFile(out _),
        _ => MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page, Private = kind == MappingKind.PrivateAnonymous }),
    };

    [Theory]
    [MemberData(nameof(WakingKinds))]
    public void An_atomic_add_wakes_a_sleeping_waiter_at_once_on_either_word_of_an_8_byte_value(MappingKind kind)
    {
        using MemoryMapping mapping = MapKind(kind);
        AssertWakesAtOnce<long>(mapping, 64, _ => mapping.AddValue(64, 1L));
        AssertWakesAtOnce<int>(mapping, 84, _ => mapping.AddValue(80, 1L << 32)); // the waiter watches the high word only
    }

    [Theory]
    [MemberData(nameof(WakingKinds))]
    public void A_compare_and_swap_that_writes_and_a_store_wake_a_sleeping_waiter_at_once(MappingKind kind)
    {
        using MemoryMapping mapping = MapKind(kind);
        AssertWakesAtOnce<int>(mapping, 96, k => Assert.True(mapping.CompareExchangeValue(96, k - 1, k)));
        AssertWakesAtOnce<long>(mapping, 104, k => mapping.WriteValue(104, (long)k));
        AssertWakesAtOnce<byte>(mapping, 121, _ => mapping.AddValue(121, (byte)1)); // a byte inside its word
    }

    [Theory]
    [MemberData(nameof(WakingKinds))]
    public void A_write_that_no_waiter_is_counted_for_makes_no_wake_and_neither_does_a_read(MappingKind kind)
    {
        using MemoryMapping mapping = MapKind(kind);
        bool crossProcess = kind == MappingKind.SharedFile;
        long offset = FreeWord(mapping, crossProcess);
        // Threads asleep on both words of the value without counting themselves: no MemMap waiter
        // is there, so nothing may wake them (a wake would be a system call per write for nobody).
        AssertNotWoken(mapping, offset, crossProcess, () =>
        {
            mapping.AddValue(offset, 1L);
            mapping.WriteValue(offset, 5L);
            Assert.True(mapping.CompareExchangeValue(offset, 5L, 6L));
            Assert.Equal(6L, mapping.ReadValue<long>(offset));
        });
    }

    /// <summary>An 8-byte-aligned offset whose two words' waiter counts are 0 (another process's waiter, or one killed while it waited, may hold a count).</summary>
    private static long FreeWord(MemoryMapping mapping, bool crossProcess)
    {
        for (long offset = 128; offset < mapping.Length; offset += 8)
        {
            if (!WaiterTable.MayHaveWaiters(crossProcess, WaitKey(mapping, offset)) && !WaiterTable.MayHaveWaiters(crossProcess, WaitKey(mapping, offset + 4)))
            {
                return offset;
            }
        }
        throw new InvalidOperationException("Every word of the mapping has a waiter counted.");
    }

    /// <summary>The waiter table's key of the word at <paramref name="wordOffset"/>, as the mapping names it (private: asked by reflection, so that the test needs no door into it).</summary>
    private static ulong WaitKey(MemoryMapping mapping, long wordOffset) =>
        (ulong)typeof(MemoryMapping).GetMethod("WaitKeyLocked", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.Invoke(mapping, [wordOffset])!;

    /// <summary>
    /// Runs <paramref name="writes"/> while uncounted threads sleep in FUTEX_WAIT on both words at
    /// <paramref name="offset"/>, and asserts that both slept until their timeout.
    /// </summary>
    private static void AssertNotWoken(MemoryMapping mapping, long offset, bool crossProcess, Action writes)
    {
        long[] words = [offset, offset + 4];
        int[] tids = new int[words.Length];
        Func<(long Result, int Errno)>[] sleepers = [.. words.Select((at, i) => Started(() =>
        {
            Volatile.Write(ref tids[i], CurrentThreadId());
            uint seen = (uint)mapping.ReadValue<int>(at);
            long result = Libc.FutexWait(mapping.Address + (nint)at, seen, TimeSpan.FromMilliseconds(500), processPrivate: !crossProcess);
            return (result, result == 0 ? 0 : Marshal.GetLastPInvokeError());
        }))];
        bool asleep = SpinWait.SpinUntil(() => tids.All(tid => tid != 0 && InFutex(tid)), TimeSpan.FromSeconds(10));
        writes();
        Assert.True(asleep, "The sleeping threads were not seen in FUTEX_WAIT.");
        Assert.All(sleepers, sleeper => Assert.Equal((-1L, ETIMEDOUT), sleeper()));
    }

    /// <summary>
    /// Asserts that <paramref name="write"/> (called with k = 8..14, writing the value k where a
    /// <typeparamref name="T"/> waiter at <paramref name="waitOffset"/> waits for it) wakes the waiter
    /// at once: its median latency is below half that of a plain store through the pointer, which
    /// wakes nobody, so that the waiter sees it only when its poll interval ends (the baseline, k = 1..7).
    /// </summary>
    private static void AssertWakesAtOnce<T>(MemoryMapping mapping, long waitOffset, Action<int> write) where T : unmanaged, IBinaryInteger<T>
    {
        const int Rounds = 7;
        TimeSpan polled = MedianLatency<T>(mapping, waitOffset, 1, Rounds, k => StorePlain(mapping, waitOffset, T.CreateTruncating(k)));
        TimeSpan woken = MedianLatency<T>(mapping, waitOffset, 1 + Rounds, Rounds, write);
        Assert.True(woken < polled / 2, $"A {typeof(T).Name} waiter at offset {waitOffset} returned {woken.TotalMilliseconds:0.###} ms after the MemMap write (median of {Rounds}), {polled.TotalMilliseconds:0.###} ms after a plain store that wakes nobody: the write did not wake it.");
    }

    private static unsafe void StorePlain<T>(MemoryMapping mapping, long offset, T value) where T : unmanaged => *(T*)(mapping.Address + (nint)offset) = value; // an aligned plain store: one instruction, and no wake

    /// <summary>The median time from each write until the waiter returns, the waiter asleep in the futex before each.</summary>
    private static TimeSpan MedianLatency<T>(MemoryMapping mapping, long offset, int first, int rounds, Action<int> write) where T : unmanaged, IBinaryInteger<T>
    {
        long[] returned = new long[rounds];
        int done = 0;
        int tid = 0;
        Func<bool> waiter = Started(() =>
        {
            Volatile.Write(ref tid, CurrentThreadId());
            for (int i = 0; i < rounds; i++)
            {
                Assert.Equal(T.CreateTruncating(first + i), mapping.WaitValue(offset, T.CreateTruncating(first + i), timeout: TimeSpan.FromSeconds(30)));
                returned[i] = Stopwatch.GetTimestamp();
                Volatile.Write(ref done, i + 1);
            }
            return true;
        });
        var latencies = new TimeSpan[rounds];
        for (int i = 0; i < rounds; i++)
        {
            int round = i;
            bool asleep = SpinWait.SpinUntil(() => Volatile.Read(ref done) == round && Volatile.Read(ref tid) is int id and not 0 && InFutex(id), TimeSpan.FromSeconds(30));
            long written = Stopwatch.GetTimestamp();
            write(first + i);
            Assert.True(asleep, $"Round {i}: the waiter was not seen asleep in FUTEX_WAIT.");
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref done) == round + 1, TimeSpan.FromSeconds(30)), $"Round {i}: the waiter did not return.");
            latencies[i] = Stopwatch.GetElapsedTime(written, returned[i]);
        }
        Assert.True(waiter());
        Array.Sort(latencies);
        return latencies[rounds / 2];
    }

    /// <summary>Whether thread <paramref name="tid"/> of this process is blocked in the futex system call now.</summary>
    private static bool InFutex(int tid)
    {
        string call = File.ReadAllText($"/proc/self/task/{tid}/syscall");
        return call.Split(' ')[0] == FutexSyscall.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
