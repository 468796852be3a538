using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Several threads on one mapping (as ForEach-Object -Parallel runs them): no crash, no torn state.</summary>
public sealed partial class ConcurrencyTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    [Fact]
    public async Task Two_readers_racing_a_remover_get_the_data_or_a_clean_MappingClosedException()
    {
        byte[] content = TempFiles.Pattern(64 * Page);
        string path = files.Create(content);
        for (int round = 0; round < 20; round++)
        {
            MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read });
            using var started = new Barrier(3);
            int[] goodReads = new int[2];
            int closed = 0;
            var readers = Enumerable.Range(0, 2).Select(reader => Task.Factory.StartNew(() =>
            {
                started.SignalAndWait();
                while (true)
                {
                    byte[] data;
                    try
                    {
                        data = mapping.Read(0, content.Length);
                    }
                    catch (MappingClosedException)
                    {
                        Interlocked.Increment(ref closed);
                        return;
                    }
                    Assert.Equal(content, data);
                    Interlocked.Increment(ref goodReads[reader]);
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            var remover = Task.Factory.StartNew(() =>
            {
                started.SignalAndWait();
                // Remove only once both readers are reading: then the removal really races their reads.
                Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref goodReads[0]) > 0 && Volatile.Read(ref goodReads[1]) > 0, TimeSpan.FromSeconds(20)), "the readers never read");
                Thread.Sleep(round % 5);
                mapping.Dispose();
            }, TaskCreationOptions.LongRunning);

            await Task.WhenAll([.. readers, remover]).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.All(readers, reader => Assert.Equal(TaskStatus.RanToCompletion, reader.Status));
            Assert.Equal(2, closed); // each reader saw data, then the clean MappingClosedException
            Assert.False(mapping.IsOpen);
            Assert.DoesNotContain(ProcessMemoryMap.Read(), region => region.Path == path);
        }
    }

    [Fact]
    public void Writers_on_disjoint_ranges_from_many_threads_all_land()
    {
        string path = files.Create(new byte[16 * Page]);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);

        Parallel.For(0, 16, page => mapping.Write(page * Page, Enumerable.Repeat((byte)(page + 1), Page).ToArray()));
        mapping.Sync();

        byte[] onDisk = File.ReadAllBytes(path);
        for (int page = 0; page < 16; page++)
        {
            Assert.All(onDisk.AsSpan(page * Page, Page).ToArray(), b => Assert.Equal(page + 1, b));
        }
    }

    [Fact]
    public async Task Readers_writers_and_syncs_racing_resizes_and_partial_unmaps_get_data_or_clean_errors()
    {
        string path = files.Create(TempFiles.Pattern(64 * Page));
        int[] completed = new int[3];
        int outOfRange = 0, unmapped = 0, closed = 0;
        for (int round = 0; round < 30; round++)
        {
            MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Length = 16 * Page });
            using var stop = new CancellationTokenSource();
            using var started = new Barrier(4);
            var users = Enumerable.Range(0, 3).Select(user => Task.Factory.StartNew(() =>
            {
                var random = new Random(round * 10 + user);
                started.SignalAndWait();
                while (!stop.IsCancellationRequested)
                {
                    long offset = random.Next(0, 64 * Page);
                    try
                    {
                        switch (user)
                        {
                            case 0:
                                byte[] data = mapping.Read(offset, 64);
                                Assert.Equal(TempFiles.Pattern(64 * Page).AsSpan((int)offset, 64).ToArray(), data);
                                break;
                            case 1:
                                mapping.Write(offset, TempFiles.Pattern(64 * Page).AsSpan((int)offset, 64)); // same bytes: the file never changes
                                break;
                            default:
                                mapping.Sync(offset, 64);
                                break;
                        }
                        Interlocked.Increment(ref completed[user]);
                    }
                    // The range moved out of the mapping, into a hole, or the mapping is gone: a clean refusal.
                    catch (ArgumentOutOfRangeException)
                    {
                        Interlocked.Increment(ref outOfRange);
                    }
                    catch (MappingAccessException error) when (error.Fault == MappingAccessFault.Unmapped)
                    {
                        Interlocked.Increment(ref unmapped);
                    }
                    catch (MappingClosedException)
                    {
                        Interlocked.Increment(ref closed);
                    }
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            int changes = 0;
            var changer = Task.Factory.StartNew(() =>
            {
                var random = new Random(round);
                started.SignalAndWait();
                for (int step = 0; step < 20; step++)
                {
                    try
                    {
                        if (step >= 16) // resizes first: a mapping with a hole cannot be resized
                        {
                            mapping.Unmap(random.Next(0, 8) * Page, Page);
                            Thread.Sleep(1); // the users stop with the changer: give them time to meet the hole
                        }
                        else
                        {
                            mapping.Resize(random.Next(1, 64) * Page); // grows (in place or moving) and shrinks
                        }
                        changes++;
                    }
                    catch (Exception error) when (error is ArgumentException or MappingOperationException or MappingClosedException)
                    {
                        // Resizing a mapping with a hole, or a range past its end: refused cleanly.
                    }
                }
            }, TaskCreationOptions.LongRunning);

            try
            {
                await changer.WaitAsync(TimeSpan.FromSeconds(60));
            }
            finally
            {
                // Stop the users even when the changer failed: left running, they would spin forever.
                await stop.CancelAsync();
                await Task.WhenAll(users).WaitAsync(TimeSpan.FromSeconds(60));
            }

            Assert.All(users, user => Assert.Equal(TaskStatus.RanToCompletion, user.Status));
            Assert.InRange(changes, 16, 20);
            if (mapping.IsOpen)
            {
                long remaining = mapping.ProtectionRegions.Sum(region => region.Length);
                Assert.Equal(remaining, mapping.ProtectionRegions.Sum(region => MapsFile.MappedBytesOf(mapping, region)));
                foreach (ByteRange hole in mapping.UnmappedRanges)
                {
                    Assert.DoesNotContain(ProcessMemoryMap.Read(), region => region.Path == path && region.Start < (ulong)(mapping.Address + (nint)hole.End) && region.End > (ulong)(mapping.Address + (nint)hole.Offset));
                }
                mapping.Dispose();
            }
            Assert.DoesNotContain(ProcessMemoryMap.Read(), region => region.Path == path);
            Assert.Equal(TempFiles.Pattern(64 * Page), File.ReadAllBytes(path));
        }
        // The races happened: every use completed, and was refused past the end and in a hole.
        Assert.All(completed, count => Assert.True(count > 0, $"completed reads, writes, syncs: {string.Join(", ", completed)}"));
        Assert.True(outOfRange > 0 && unmapped > 0, $"refusals: {outOfRange} out of range, {unmapped} in a hole, {closed} closed");
    }
}
