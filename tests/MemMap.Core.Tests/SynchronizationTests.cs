using System.Diagnostics;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Atomic values, waits and byte-range locks against real mappings, threads and processes (the locks in SynchronizationTests.RangeLocks.cs).</summary>
public sealed partial class SynchronizationTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    /// <summary>Starts <paramref name="work"/> on a thread of its own (a lock's or wait's owner is its thread); the returned function joins it and returns its result or rethrows its exception.</summary>
    private static Func<T> Started<T>(Func<T> work)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception caught)
            {
                error = caught;
            }
        });
        thread.Start();
        return () =>
        {
            thread.Join();
            return error is null ? result : throw error;
        };
    }

    /// <summary>Runs <paramref name="work"/> on another thread to the end.</summary>
    private static T OnOtherThread<T>(Func<T> work) => Started(work)();

    private static bool OnOtherThread(Action work) => OnOtherThread(() => { work(); return true; });

    private MemoryMapping SharedFile(out string path)
    {
        path = files.Create(new byte[2 * Page]);
        return MemoryMapping.MapFile(path);
    }

    [Fact]
    public void Four_processes_adding_at_once_to_a_shared_file_counter_lose_no_update()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        Process[] children = [.. Enumerable.Range(0, 4).Select(_ => ChildProcess.StartChild(["add", path, "8", "250000"]))];
        Assert.All(children, child => Assert.Equal("ready", child.StandardOutput.ReadLine()));
        Array.ForEach(children, child => child.StandardInput.WriteLine("go"));
        foreach (Process child in children)
        {
            Assert.True(child.WaitForExit(60_000));
            Assert.Equal(0, child.ExitCode);
        }
        Assert.Equal(1_000_000L, mapping.ReadValue<long>(8));
    }

    [Fact]
    public void Of_four_processes_racing_one_compare_and_swap_claim_exactly_one_wins()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        Process[] children = [.. Enumerable.Range(0, 4).Select(_ => ChildProcess.StartChild(["claim", path, "16"]))];
        string[] outcomes = [.. children.Select(child => { string output = child.StandardOutput.ReadToEnd(); child.WaitForExit(); return output; })];
        Assert.Single(outcomes, "won");
        Assert.Equal(3, outcomes.Count(outcome => outcome == "lost"));
        Assert.Contains((int)mapping.ReadValue<long>(16), children.Select(child => child.Id));
    }

    [Theory]
    [InlineData(MappingKind.PrivateAnonymous)]
    [InlineData(MappingKind.SharedFile)]
    public void Threads_adding_to_values_of_every_integer_size_lose_no_update_and_wrap_around(MappingKind kind)
    {
        using MemoryMapping mapping = kind == MappingKind.SharedFile ? SharedFile(out _) : MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });
        using var start = new Barrier(4);
        Func<bool>[] adders = [.. Enumerable.Range(0, 4).Select(_ => Started(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < 100_000; i++)
            {
                mapping.AddValue(0, 1L);
                mapping.AddValue(9, (byte)1); // a byte beside others in its word: they stay as they are
                mapping.AddValue(10, (short)-1);
                mapping.AddValue(12, 1u);
            }
            return true;
        }))];
        Assert.All(adders, adder => Assert.True(adder()));
        Assert.Equal(400_000L, mapping.ReadValue<long>(0));
        Assert.Equal((byte)(400_000 % 256), mapping.ReadValue<byte>(9));
        Assert.Equal(0, mapping.ReadValue<byte>(8));
        Assert.Equal(unchecked((short)-400_000), mapping.ReadValue<short>(10));
        Assert.Equal(400_000u, mapping.ReadValue<uint>(12));
        mapping.WriteValue(16, sbyte.MaxValue);
        Assert.Equal(sbyte.MinValue, mapping.AddValue(16, (sbyte)1));
    }

    [Fact]
    public void Compare_and_swap_writes_only_over_the_expected_value()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        mapping.WriteValue(4, 7);
        Assert.False(mapping.CompareExchangeValue(4, 8, 9));
        Assert.Equal(7, mapping.ReadValue<int>(4));
        Assert.True(mapping.CompareExchangeValue(4, 7, 9));
        Assert.Equal(9, mapping.ReadValue<int>(4));
        Assert.True(mapping.CompareExchangeValue(Type.GetType("System.UInt16")!, 2, 0, 65535));
        Assert.Equal(65535, mapping.ReadValue<ushort>(2));
        Assert.Equal(9, mapping.ReadValue<int>(4));
    }

    [Fact]
    public void Unaligned_offsets_and_non_integer_types_are_refused_naming_the_rule()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        var unaligned = Assert.Throws<ArgumentException>(() => mapping.AddValue(6, 1L));
        Assert.Contains("8-byte alignment", unaligned.Message);
        Assert.Throws<ArgumentException>(() => mapping.CompareExchangeValue(2, 0, 1));
        Assert.Throws<ArgumentException>(() => mapping.WaitValue(1, (short)0, timeout: TimeSpan.Zero));
        var floating = Assert.Throws<ArgumentException>(() => mapping.AddValue(typeof(double), 0, 1));
        Assert.Contains("not an integer type", floating.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.AddValue(Page, 1L));
        Assert.Equal(0, mapping.ReadValue<long>(0));
    }

    [Fact]
    public void Atomics_and_waits_on_a_page_truncated_away_are_BeyondEndOfFile_errors_and_the_process_lives()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        mapping.AddValue(8, 5L);
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", "0", path));

        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.AddValue(Page + 8, 1L)).Fault);
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.CompareExchangeValue(8, 5L, 6L)).Fault);
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.ReadValue<long>(8)).Fault);
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.WaitValue(8, 1L, timeout: TimeSpan.FromSeconds(1))).Fault);
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public void Atomics_at_or_past_a_truncated_end_inside_the_last_page_are_refused_and_write_nothing()
    {
        // The file is cut to an odd length inside its second page: that page stays mapped, and a value
        // in its tail would land where the kernel never writes back. Before the end, atomics work.
        using MemoryMapping mapping = SharedFile(out string path);
        long end = Page + 1001;
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", end.ToString(), path));

        Assert.Equal(3L, mapping.AddValue(8, 3L)); // a page before the end: the sentinel probe proves it
        Assert.Equal(4L, mapping.AddValue(Page + 992, 4L)); // the last whole value before the end
        var straddling = Assert.Throws<MappingAccessException>(() => mapping.AddValue(Page + 1000, 1L));
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, end), (straddling.Fault, straddling.Offset));
        var past = Assert.Throws<MappingAccessException>(() => mapping.CompareExchangeValue(Page + 1016, 0L, 7L));
        Assert.Equal((MappingAccessFault.BeyondEndOfFile, Page + 1016L), (past.Fault, past.Offset));

        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (2 * Page).ToString(), path));
        Assert.Equal(0, mapping.ReadValue<long>(Page + 1000));
        Assert.Equal(0, mapping.ReadValue<long>(Page + 1016));
        Assert.Equal(4L, mapping.ReadValue<long>(Page + 992));
    }

    [Fact]
    public void Atomics_on_a_read_only_page_are_Protection_errors()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        mapping.Protect(MemoryProtection.Read);
        Assert.Equal(MappingAccessFault.Protection, Assert.Throws<MappingAccessException>(() => mapping.AddValue(0, 1)).Fault);
        Assert.Equal(0, mapping.ReadValue<int>(0));
    }

    [Fact]
    public void A_value_written_as_0_and_minus_1_by_another_process_and_by_threads_is_never_seen_torn()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        const long offset = 64 - 8; // the last value of a cache line
        using Process writer = ChildProcess.StartChild(["flip", path, offset.ToString(), "2000000"]);
        Func<int>[] readers = [.. Enumerable.Range(0, 2).Select(_ => Started(() =>
        {
            int torn = 0;
            for (int i = 0; i < 1_000_000; i++)
            {
                torn += mapping.ReadValue<long>(offset) is 0 or -1 ? 0 : 1;
            }
            return torn;
        }))];
        Assert.Equal("0", ChildProcess.RunChild("watch", path, offset.ToString(), "1000000").Output);
        Assert.All(readers, reader => Assert.Equal(0, reader()));
        Assert.True(writer.WaitForExit(60_000));
    }

    [Fact]
    public void A_wait_returns_when_another_process_sets_the_value()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        using Process setter = ChildProcess.StartChild(["set-after", path, "24", "42", "300"]);
        var clock = Stopwatch.StartNew();
        Assert.Equal(42L, mapping.WaitValue(24, 42L, timeout: TimeSpan.FromSeconds(30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20));
        Assert.True(setter.WaitForExit(10_000));
    }

    [Fact]
    public void A_wait_times_out_with_a_timeout_error_and_ends_on_cancellation()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        var clock = Stopwatch.StartNew();
        var timeout = Assert.Throws<MappingTimeoutException>(() => mapping.WaitValue(0, 1, timeout: TimeSpan.FromMilliseconds(200)));
        Assert.Equal(MappingTimeoutKind.Wait, timeout.Kind);
        Assert.InRange(clock.ElapsedMilliseconds, 190, 5_000);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        clock.Restart();
        Assert.ThrowsAny<OperationCanceledException>(() => mapping.WaitValue(0, 1, cancellationToken: cancel.Token));
        Assert.InRange(clock.ElapsedMilliseconds, 190, 5_000);

        mapping.WriteValue(0, 5);
        Assert.Equal(5, mapping.WaitValue(0, 1, notEqual: true));
    }

    [Fact]
    public void A_thread_waiting_for_a_value_wakes_when_another_thread_adds_to_it()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page, Private = true });
        Func<long> waiter = Started(() => mapping.WaitValue(0, 3L, timeout: TimeSpan.FromSeconds(30)));
        for (int i = 0; i < 3; i++)
        {
            Thread.Sleep(20);
            mapping.AddValue(0, 1L);
        }
        Assert.Equal(3L, waiter());
    }
}
