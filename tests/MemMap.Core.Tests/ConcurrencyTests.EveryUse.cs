using MemMap.Tests.Helpers;

namespace MemMap.Tests;

// The race of every use against every change, apart because it alone is a screen and a half.
public sealed partial class ConcurrencyTests
{
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
