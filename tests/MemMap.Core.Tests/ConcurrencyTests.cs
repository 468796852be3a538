using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>Several threads on one mapping (as ForEach-Object -Parallel runs them): no crash, no torn state.</summary>
public sealed class ConcurrencyTests : IDisposable
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

    /// <summary>
    /// Every kind of use (read, typed read, write, fill of a zero region, search forwards and backwards,
    /// sync) on several threads while others protect page ranges, resize, unmap pages and finally
    /// remove the mapping, for a fixed number of rounds. Each call returns the right data or one of
    /// the clean errors; the registry never disagrees with IsOpen once the remover is done; the
    /// kernel's areas match the page map; the file keeps its bytes.
    /// </summary>
    [Theory]
    [InlineData(MappingKind.SharedFile)]
    [InlineData(MappingKind.PrivateFile)]
    [InlineData(MappingKind.SharedMemory)]
    public async Task Every_use_racing_protect_resize_unmap_and_remove_returns_data_or_a_clean_error(MappingKind kind)
    {
        const int pages = 32;
        byte[] content = TempFiles.Pattern(pages * Page);
        content.AsSpan(8 * Page, Page).Clear(); // page 8 is zeros: fillers write zeros there, so the file never changes
        string name = $"memmap-race-{Guid.NewGuid():N}";
        string path = kind == MappingKind.SharedMemory ? "/dev/shm/" + name : files.Create(content);
        File.WriteAllBytes(path, content);
        using var removeObject = new Cleanup(() => File.Delete(path));
        int rounds = 16, calls = 0, refusals = 0;
        var refusedBy = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        string[] reasons = [nameof(ArgumentOutOfRangeException), nameof(MappingClosedException), nameof(MappingAccessFault.Unmapped), nameof(MappingAccessFault.Protection)];
        // At least 16 rounds, and more (up to 64) until every kind of refusal has happened: which ones a
        // round meets depends on the scheduler, and a loaded machine can go 16 rounds without one.
        for (int round = 0; round < rounds || (round < 4 * rounds && !reasons.All(refusedBy.ContainsKey)); round++)
        {
            var options = new MappingOptions { Length = 16 * Page, Private = kind == MappingKind.PrivateFile };
            MemoryMapping mapping = kind == MappingKind.SharedMemory ? MemoryMapping.MapSharedMemory(name, options) : MemoryMapping.MapFile(path, options);
            using var stop = new CancellationTokenSource();
            using var started = new Barrier(6);
            var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
            // Dedicated threads (LongRunning), few of them, and one buffer each: on a loaded two-CPU machine many
            // spinning, allocating pool threads make every garbage collection wait long for them to stop.
            var users = Enumerable.Range(0, 4).Select(user => Task.Factory.StartNew(() =>
            {
                var random = new Random(round * 100 + user);
                byte[] buffer = new byte[64];
                started.SignalAndWait();
                for (int call = 0; !stop.IsCancellationRequested; call++)
                {
                    long offset = random.Next(0, pages * Page - 64);
                    try
                    {
                        switch (user + 4 * (call % 2)) // each thread takes two of the eight uses in turn
                        {
                            case 0:
                                mapping.Read(offset, buffer);
                                Check(failures, content.AsSpan((int)offset, 64).SequenceEqual(buffer), $"read at {offset}");
                                break;
                            case 1:
                                mapping.Write(offset, content.AsSpan((int)offset, 64));
                                Check(failures, BitConverter.ToInt32(content, (int)offset) == mapping.ReadValues<int>(offset, 1)[0], $"typed read at {offset}");
                                break;
                            case 2:
                                mapping.Fill(8 * Page + random.Next(0, Page - 64), 64, 0);
                                break;
                            case 3:
                                byte[] needle = content.AsSpan((int)offset, 16).ToArray();
                                long from = Math.Max(0, offset - 3 * Page);
                                List<long> found = [.. mapping.Find(needle, from, offset + 16 - from)];
                                Check(failures, found.Count > 0 && found[^1] == offset, $"find of the bytes at {offset}");
                                Check(failures, mapping.FindLast(needle, from, offset + 16 - from) == offset, $"find-last at {offset}");
                                break;
                            case 4:
                            case 6:
                                mapping.Sync(offset, random.Next(1, 3 * Page), random.Next(2) == 0 ? SyncMode.Synchronous : SyncMode.Asynchronous);
                                break;
                            default:
                                Check(failures, MappingRegistry.Find(mapping.Id) is not { } listed || ReferenceEquals(listed, mapping), "the registry holds another mapping under this id");
                                mapping.Read(offset, 1);
                                break;
                        }
                        Interlocked.Increment(ref calls);
                    }
                    catch (Exception error) when (error is ArgumentOutOfRangeException or MappingClosedException
                        or MappingAccessException { Fault: MappingAccessFault.Unmapped or MappingAccessFault.Protection })
                    {
                        Interlocked.Increment(ref refusals);
                        refusedBy.AddOrUpdate(error is MappingAccessException access ? access.Fault.ToString() : error.GetType().Name, 1, (_, n) => n + 1);
                    }
                    catch (Exception error)
                    {
                        failures.Enqueue($"user {user}: {error}");
                    }
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            var changer = Task.Factory.StartNew(() =>
            {
                var random = new Random(round);
                started.SignalAndWait();
                for (int step = 0; step < 30; step++)
                {
                    try
                    {
                        switch (random.Next(4))
                        {
                            case 0:
                                mapping.Protect(random.Next(3) switch { 0 => MemoryProtection.Read, 1 => MemoryProtection.None, _ => MemoryProtection.ReadWrite },
                                    random.Next(0, 16) * Page, random.Next(1, 4) * Page);
                                break;
                            case 1:
                                mapping.Protect(MemoryProtection.ReadWrite);
                                break;
                            case 2:
                                mapping.Resize(random.Next(1, pages + 1) * Page);
                                break;
                            default:
                                if (step > 20) mapping.Unmap(random.Next(0, 16) * Page, Page);
                                break;
                        }
                    }
                    catch (Exception error) when (error is ArgumentException or MappingOperationException or MappingClosedException
                        or MappingAccessException { Fault: MappingAccessFault.Unmapped })
                    {
                        // A range past the end or over a hole, a resize with a hole or several areas: refused cleanly.
                    }
                    catch (Exception error)
                    {
                        failures.Enqueue($"changer: {error}");
                    }
                }
            }, TaskCreationOptions.LongRunning);
            var remover = Task.Factory.StartNew(() =>
            {
                started.SignalAndWait();
                Thread.Sleep(round % 7);
                if (round % 2 == 0) mapping.Dispose();
            }, TaskCreationOptions.LongRunning);

            await Task.WhenAll(changer, remover).WaitAsync(TimeSpan.FromSeconds(60));
            await Task.Delay(round % 3);
            await stop.CancelAsync();
            await Task.WhenAll(users).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Empty(failures);
            Assert.Equal(mapping.IsOpen, ReferenceEquals(MappingRegistry.Find(mapping.Id), mapping));
            if (mapping.IsOpen)
            {
                Assert.Equal(mapping.ProtectionRegions.Sum(region => region.Length), mapping.ProtectionRegions.Sum(region => MapsFile.MappedBytesOf(mapping, region)));
                mapping.Dispose();
                Assert.Null(MappingRegistry.Find(mapping.Id));
            }
            Assert.DoesNotContain(ProcessMemoryMap.Read(), region => region.Path == path);
            Assert.Equal(content, File.ReadAllBytes(path));
        }
        Assert.True(calls > rounds, $"{calls} calls succeeded, {refusals} were refused: the users hardly ran");
        // Each refusal happened, so the users really raced each change: past the end, a hole, a protection, the removal.
        string seen = string.Join(", ", refusedBy.Select(pair => $"{pair.Key} {pair.Value}"));
        foreach (string reason in reasons)
        {
            Assert.True(refusedBy.ContainsKey(reason), $"no call was refused with {reason}; refusals seen: {seen}");
        }
    }

    private sealed class Cleanup(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private static void Check(System.Collections.Concurrent.ConcurrentQueue<string> failures, bool holds, string what)
    {
        if (!holds)
        {
            failures.Enqueue($"wrong result: {what}");
        }
    }
}
