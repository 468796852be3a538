using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace MemMap.Tests;

// Waits to the wake: that a MemMap write wakes a sleeping waiter at once (not at its next poll), on
// every path a write takes; that a write by another program is seen within the poll interval; and
// that a wait leaves nobody counted as waiting.
public sealed partial class SynchronizationTests
{
    /// <summary>The kernel's id of the calling thread (/proc/thread-self links to PID/task/TID).</summary>
    private static int CurrentThreadId() => int.Parse(Path.GetFileName(new DirectoryInfo("/proc/thread-self").LinkTarget!), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>How many times thread <paramref name="tid"/> of this process has gone to sleep (its voluntary context switches).</summary>
    private static long Sleeps(int tid) =>
        long.Parse(File.ReadLines($"/proc/self/task/{tid}/status").First(line => line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))["voluntary_ctxt_switches:".Length..].Trim());

    /// <summary>Waits until thread <paramref name="tid"/> sleeps (state S in /proc/self/task/TID/stat).</summary>
    private static void AwaitAsleep(int tid)
    {
        var clock = Stopwatch.StartNew();
        while (File.ReadAllText($"/proc/self/task/{tid}/stat") is var stat && stat[(stat.LastIndexOf(')') + 2)..][0] != 'S')
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the waiter never went to sleep");
            Thread.Yield();
        }
    }

    /// <summary>
    /// Where a write wakes a waiter: the waiter sleeps in the futex wait; each write that is not yet
    /// the value waited for must wake it, so that it looks, and goes back to sleep, once per write.
    /// A write that did not wake it would leave it asleep until its next poll (PollInterval, 20 ms),
    /// while the next writes follow at once: far fewer sleeps than writes.
    /// </summary>
    public static TheoryData<string> WakePaths => new()
    {
        "anonymous memory, an atomic add to a byte inside its word",
        "anonymous memory, values written by the copy path across two words",
        "a shared file, an atomic add",
        "a shared file, values written by the copy path across two words",
        "a shared file, an atomic add through another mapping at another file offset",
    };

    [Theory]
    [MemberData(nameof(WakePaths))]
    public void Every_MemMap_write_wakes_a_sleeping_waiter_at_once_not_at_its_next_poll(string path)
    {
        const int Writes = 40;
        bool anonymous = path.StartsWith("anonymous", StringComparison.Ordinal);
        string file = files.Create(new byte[2 * Page]);
        using MemoryMapping mapping = anonymous ? MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page, Private = true }) : MemoryMapping.MapFile(file);
        // The waiter's offset 8 of a mapping at file offset Page is the writer's Page + 8.
        using MemoryMapping waited = path.EndsWith("another file offset", StringComparison.Ordinal) ? MemoryMapping.MapFile(file, new MappingOptions { Offset = Page }) : mapping;
        bool byteValue = path.Contains("a byte", StringComparison.Ordinal);
        Action<int> write = path switch
        {
            _ when path.Contains("copy path", StringComparison.Ordinal) => i => mapping.WriteValues<int>(4, new int[] { -1, i }), // words 4 and 8
            _ when byteValue => _ => mapping.AddValue(9, (byte)1),
            _ when waited != mapping => _ => mapping.AddValue(Page + 8, 1),
            _ => _ => mapping.AddValue(8, 1),
        };
        int tid = 0;
        Func<long> waiter = Started(() =>
        {
            Volatile.Write(ref tid, CurrentThreadId());
            return byteValue ? (long)waited.WaitValue(9, (byte)Writes, timeout: TimeSpan.FromSeconds(60)) : (long)waited.WaitValue(8, Writes, timeout: TimeSpan.FromSeconds(60));
        });
        while (Volatile.Read(ref tid) == 0)
        {
            Thread.Yield();
        }
        AwaitAsleep(tid);
        long before = Sleeps(tid);
        for (int i = 1; i < Writes; i++)
        {
            write(i);
            AwaitAsleep(tid); // back in the futex wait (woken, it looked, and slept again), or still in it, never woken
        }
        long woken = Sleeps(tid) - before;
        write(Writes);
        Assert.Equal(Writes, waiter());
        Assert.True(woken >= (Writes - 1) / 2, $"{Writes - 1} writes woke the waiter {woken} times");
    }

    [Fact]
    public void A_write_by_another_program_is_seen_within_the_poll_interval_even_by_a_long_wait()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        using SafeFileHandle other = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        using var written = new Timer(_ => RandomAccess.Write(other, BitConverter.GetBytes(42L), 24), null, 200, Timeout.Infinite); // pwrite: the page cache, no futex wake
        var clock = Stopwatch.StartNew();
        Assert.Equal(42L, mapping.WaitValue(24, 42L, timeout: TimeSpan.FromSeconds(60)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"seen after {clock.Elapsed}");
    }

    [Fact]
    public void A_wait_counts_itself_as_a_waiter_on_its_word_only_while_it_waits()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });
        ulong word = (ulong)(mapping.Address + 12); // anonymous memory's waiters are keyed by address
        Assert.False(WaiterTable.MayHaveWaiters(crossProcess: false, word));
        Func<short> waiter = Started(() => mapping.WaitValue(14, (short)1, timeout: TimeSpan.FromSeconds(60))); // the high half of the word at 12
        var clock = Stopwatch.StartNew();
        while (!WaiterTable.MayHaveWaiters(crossProcess: false, word))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the waiter never counted itself");
            Thread.Sleep(1);
        }
        mapping.WriteValue(14, (short)1);
        Assert.Equal(1, waiter());
        Assert.False(WaiterTable.MayHaveWaiters(crossProcess: false, word));
        Assert.Throws<MappingTimeoutException>(() => mapping.WaitValue(14, (short)2, timeout: TimeSpan.FromMilliseconds(30)));
        Assert.False(WaiterTable.MayHaveWaiters(crossProcess: false, word));
    }

    [Fact]
    public void A_timed_out_wait_names_the_value_the_offset_what_it_waited_for_and_what_it_saw()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        mapping.WriteValue(16, 7L);
        var become = Assert.Throws<MappingTimeoutException>(() => mapping.WaitValue(16, 8L, timeout: TimeSpan.FromMilliseconds(50)));
        Assert.Equal($"Waited 0.05 s for the Int64 at offset 16 of mapping {mapping.Id} (anonymous memory) to become 8; it is 7. Wait longer (-Timeout), or check that the writer runs.", become.Message);
        var differ = Assert.Throws<MappingTimeoutException>(() => mapping.WaitValue(typeof(byte), 16, 7, notEqual: true, timeout: TimeSpan.Zero));
        Assert.StartsWith($"Waited 0 s for the Byte at offset 16 of mapping {mapping.Id} (anonymous memory) to differ from 7; it is 7.", differ.Message);
    }

    [Fact]
    public void A_device_s_memory_cannot_be_waited_on_and_says_why()
    {
        using MemoryMapping device = MemoryMapping.MapFile("/dev/zero", new MappingOptions { Length = Page, Private = true });
        var refused = Assert.Throws<MappingOperationException>(() => device.WaitValue(0, 0, timeout: TimeSpan.Zero));
        Assert.Equal($"Mapping {device.Id} (/dev/zero) cannot do atomic operations: it maps a device, whose memory MemMap reaches only through the kernel's copy, one call per access.", refused.Message);
    }

    [Fact]
    public void A_wait_past_the_end_or_on_a_page_that_may_not_be_read_is_refused_before_any_load()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page });
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.WaitValue(2 * Page, 0L, timeout: TimeSpan.Zero));
        mapping.Protect(MemoryProtection.None, Page, Page);
        Assert.Equal(MappingAccessFault.Protection, Assert.Throws<MappingAccessException>(() => mapping.WaitValue(Page + 8, 0L, timeout: TimeSpan.Zero)).Fault);
        Assert.Equal(0L, mapping.WaitValue(8, 0L, timeout: TimeSpan.Zero));
    }
}
