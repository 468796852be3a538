using System.Numerics;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// The single-value operations of issue 19's fast path: every size and operation on both atomic
/// paths (Direct: Interlocked; Guarded: the native helper's listed instructions, Native/memmap_value.c),
/// and the gate's thread records (MemoryMapping.Gate.cs).
/// </summary>
public sealed class ValueOperationTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    public static TheoryData<bool> BothPaths() => [false, true];

    private MemoryMapping Map(bool file) => file
        ? MemoryMapping.MapFile(files.Create(new byte[4 * Page]))
        : MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page });

    [Theory]
    [MemberData(nameof(BothPaths))]
    public void Every_size_adds_swaps_and_stores_with_the_value_before_it_and_leaves_its_neighbours(bool file)
    {
        using MemoryMapping mapping = Map(file);
        Assert.Equal(file ? AccessPath.Guarded : AccessPath.Direct, mapping.WritePath);
        Check<sbyte>(mapping, 16);
        Check<byte>(mapping, 32);
        Check<short>(mapping, 48);
        Check<ushort>(mapping, 64);
        Check<int>(mapping, 80);
        Check<uint>(mapping, 96);
        Check<long>(mapping, 112);
        Check<ulong>(mapping, 128);
        Assert.All(mapping.Read(0, 16), b => Assert.Equal(0, b)); // nothing before the first value was touched
    }

    private static void Check<T>(MemoryMapping mapping, long offset) where T : unmanaged, IBinaryInteger<T>
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        T start = T.CreateTruncating(0x5A5A5A5A5A5A5A5AUL);
        mapping.WriteValue(offset, start);
        Assert.Equal(start, mapping.ReadValue<T>(offset));

        Assert.Equal(start + T.CreateTruncating(3), mapping.AddValue(offset, T.CreateTruncating(3)));
        T now = start + T.CreateTruncating(3);
        Assert.Equal(now, mapping.ReadValue<T>(offset));

        // A compare-and-swap that misses writes nothing and says so: the helper must report the
        // value it found, not the one it was told to expect.
        Assert.False(mapping.CompareExchangeValue(offset, start, T.CreateTruncating(9)));
        Assert.Equal(now, mapping.ReadValue<T>(offset));
        Assert.True(mapping.CompareExchangeValue(offset, now, T.CreateTruncating(9)));
        Assert.Equal(T.CreateTruncating(9), mapping.ReadValue<T>(offset));

        Assert.Equal(T.CreateTruncating(8), mapping.AddValue(offset, T.CreateTruncating(-1)));
        Assert.All(mapping.Read(offset + size, 16 - size), b => Assert.Equal(0, b)); // the bytes after the value
    }

    [Theory]
    [MemberData(nameof(BothPaths))]
    public void A_value_that_is_not_aligned_reads_its_bytes_and_is_refused_where_a_copy_is(bool file)
    {
        using MemoryMapping mapping = Map(file);
        byte[] pattern = TempFiles.Pattern(64);
        mapping.Write(Page - 32, pattern);

        // Across a page boundary, at every misalignment.
        for (int at = 0; at < 40; at++)
        {
            Assert.Equal(BitConverter.ToInt64(pattern, at), mapping.ReadValue<long>(Page - 32 + at));
            Assert.Equal(BitConverter.ToInt32(pattern, at), mapping.ReadValue<int>(Page - 32 + at));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.ReadValue<long>(4 * Page - 7));

        mapping.Protect(MemoryProtection.None, 2 * Page, Page);
        var denied = Assert.Throws<MappingAccessException>(() => mapping.ReadValue<long>(2 * Page - 3));
        Assert.Equal(MappingAccessFault.Protection, denied.Fault);
        Assert.Equal(2 * Page, denied.Offset);
    }

    [Fact]
    public void A_value_that_is_not_aligned_past_a_truncated_end_is_refused_and_one_before_it_still_reads()
    {
        byte[] content = TempFiles.Pattern(4 * Page);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (Page + 100).ToString(System.Globalization.CultureInfo.InvariantCulture), path));

        Assert.Equal(BitConverter.ToInt64(content, 13), mapping.ReadValue<long>(13)); // the sentinel page is gone: fstat says 13 is inside
        Assert.Equal(BitConverter.ToInt64(content, Page + 91), mapping.ReadValue<long>(Page + 91)); // the last 8 bytes of the file
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.ReadValue<long>(Page + 93)).Fault);
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.ReadValue<long>(2 * Page + 5)).Fault);

        // A copy larger than the small path, across the new end inside the page that stays mapped:
        // only the sentinel probe (then fstat) knows that its tail is past the end.
        var copy = Assert.Throws<MappingAccessException>(() => mapping.Read(Page + 50, 100));
        Assert.Equal(MappingAccessFault.BeyondEndOfFile, copy.Fault);
        Assert.Equal(Page + 100, copy.Offset);
        Assert.Equal(content.AsSpan(Page + 50, 50).ToArray(), mapping.Read(Page + 50, 50));
    }

    [Fact]
    public void A_value_in_a_page_another_process_truncated_away_is_refused_by_every_operation_and_the_file_keeps_its_length()
    {
        string path = files.Create(new byte[4 * Page]);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.WriteValue(8, 42L);
        Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (Page + 100).ToString(System.Globalization.CultureInfo.InvariantCulture), path)); // another process: pages 2 and 3 are gone, page 1 ends mid-page

        foreach (long offset in new long[] { 2 * Page, Page + 104 })
        {
            Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.ReadValue<long>(offset)).Fault);
            Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.AddValue(offset, 1L)).Fault);
            Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.CompareExchangeValue(offset, 0L, 1L)).Fault);
            Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.WriteValue(offset, 1L)).Fault);
        }
        Assert.Equal(43L, mapping.AddValue(8, 1L)); // before the end: still works
        Assert.Equal(Page + 100, new FileInfo(path).Length);
    }

    [Fact]
    public void Threads_that_ended_leave_no_use_record_behind()
    {
        using MemoryMapping mapping = Map(file: false);
        for (int batch = 0; batch < 4; batch++)
        {
            Thread[] threads = [.. Enumerable.Range(0, 25).Select(_ => new Thread(() => mapping.ReadValue<long>(0)))];
            foreach (Thread thread in threads)
            {
                thread.Start();
            }
            foreach (Thread thread in threads)
            {
                thread.Join();
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        var last = new Thread(() => mapping.ReadValue<long>(0)); // registering prunes the ended ones
        last.Start();
        last.Join();

        // 100 threads used the mapping; what is left is this process's live threads that ever did (the test runner's among them), not 100.
        Assert.InRange(MemoryMapping.ThreadUseRecordCount, 1, 40);
    }

    [Fact]
    public async Task A_remove_waits_for_value_reads_in_flight_on_other_threads_which_then_see_it_removed()
    {
        for (int round = 0; round < 50; round++)
        {
            MemoryMapping mapping = Map(file: round % 2 == 0);
            mapping.WriteValue(0, 7L);
            using var started = new Barrier(3);
            int reads = 0;
            Task[] readers = [.. Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
            {
                started.SignalAndWait();
                try
                {
                    while (true)
                    {
                        Assert.Equal(7L, mapping.ReadValue<long>(0)); // a read that began before the unmap still reads the value
                        Interlocked.Increment(ref reads);
                    }
                }
                catch (MappingClosedException)
                {
                }
            }, TaskCreationOptions.LongRunning))];
            started.SignalAndWait();
            SpinWait.SpinUntil(() => Volatile.Read(ref reads) > 100, TimeSpan.FromSeconds(10));
            mapping.Dispose();
            await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    // The gate's counted way in: a thread's second use (a copy holds both mappings' gates) and a
    // change that must wait for it. A count that leaks or is never drained is a remove that hangs.

    [Fact]
    public async Task Copies_between_two_mappings_leave_both_removable_and_a_closed_one_refused_cleanly()
    {
        for (int round = 0; round < 20; round++)
        {
            MemoryMapping first = Map(file: round % 2 == 0);
            MemoryMapping second = Map(file: false);
            first.WriteValue(0, (long)round);
            first.CopyTo(0, 8, second, 8); // the second gate is counted
            Assert.Equal(round, second.ReadValue<long>(8));
            second.Dispose();
            Assert.Throws<MappingClosedException>(() => first.CopyTo(0, 8, second, 0)); // the closed one, entered the counted way
            await Task.Run(first.Dispose).WaitAsync(TimeSpan.FromSeconds(30)); // a TimeoutException: it waited for a use that had ended
            await Task.Run(second.Dispose).WaitAsync(TimeSpan.FromSeconds(30)); // the same for a second remove
        }
    }

    [Fact]
    public async Task A_remove_during_a_long_copy_waits_for_it_and_then_completes()
    {
        for (int round = 0; round < 6; round++)
        {
            using MemoryMapping source = MemoryMapping.MapAnonymous(new MappingOptions { Length = 64 << 20 });
            MemoryMapping destination = MemoryMapping.MapAnonymous(new MappingOptions { Length = 64 << 20 });
            source.Fill(0, 64 << 20, (byte)(round + 1));
            using var started = new Barrier(2);
            Task copy = Task.Factory.StartNew(() =>
            {
                started.SignalAndWait();
                for (int i = 0; i < 8; i++)
                {
                    try
                    {
                        source.CopyTo(0, 64 << 20, destination, 0); // the destination's gate is this thread's second use: counted
                    }
                    catch (MappingClosedException)
                    {
                        return;
                    }
                }
            }, TaskCreationOptions.LongRunning);
            started.SignalAndWait();
            Thread.Sleep(5); // inside a copy, most rounds: the remove must wait for the count to drain
            await Task.Run(destination.Dispose).WaitAsync(TimeSpan.FromSeconds(60)); // a TimeoutException: the remove never saw the copy end
            await copy.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }
}
