using MemMap.Tests.Helpers;

namespace MemMap.Tests;

// The access paths under changes made while they run: protection, resize, unmap and remove on other
// threads, and a file truncated by another process.
public sealed partial class AccessPathTests
{
    [Theory]
    [InlineData("anonymous")] // the Direct path
    [InlineData("file")] // the Guarded path
    public async Task Protection_changed_on_another_thread_during_direct_access_never_faults(string memory)
    {
        using MemoryMapping mapping = memory == "file"
            ? MemoryMapping.MapFile(files.CreatePattern(64 * Page))
            : MemoryMapping.MapAnonymous(new MappingOptions { Length = 64 * Page, Private = true });
        byte[] buffer = new byte[64 * Page];
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        int changes = 0, refused = 0, done = 0;
        Task protector = Dedicated(() =>
        {
            for (int round = 0; !stop.IsCancellationRequested; round++)
            {
                // Alternately take reading and writing away from a page range that every access below touches.
                mapping.Protect(round % 2 == 0 ? MemoryProtection.None : MemoryProtection.Read, 8 * Page, 48 * Page);
                mapping.Protect(MemoryProtection.ReadWrite);
                changes++;
            }
        });
        Task[] users = Enumerable.Range(0, 2).Select(user => Dedicated(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    switch (done % 5)
                    {
                        case 0: mapping.Read(0, buffer); break;
                        case 1: mapping.Write(0, buffer); break;
                        case 2: mapping.Fill(0, mapping.Length, (byte)user); break;
                        case 3: mapping.WriteValue(32 * Page, 42L); _ = mapping.ReadValue<long>(32 * Page); break; // the other user's Fill races this value
                        default: _ = mapping.Find([1, 2, 3]).ToArray(); break;
                    }
                    Interlocked.Increment(ref done);
                }
                catch (MappingAccessException error) when (error.Fault == MappingAccessFault.Protection)
                {
                    Interlocked.Increment(ref refused);
                    Interlocked.Increment(ref done);
                }
            }
        })).ToArray();

        await Task.WhenAll([protector, .. users]).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(changes > 10, $"only {changes} protection changes ran");
        Assert.True(refused > 0 && done - refused > 0, $"{done} accesses, {refused} refused: the race did not happen both ways");
    }

    [Theory]
    [InlineData("anonymous")] // the Direct path
    [InlineData("file")] // the Guarded path
    public async Task Resize_partial_unmap_and_remove_during_direct_access_give_data_or_clean_errors(string memory)
    {
        for (int round = 0; round < 20; round++)
        {
            MemoryMapping mapping = memory == "file"
                ? MemoryMapping.MapFile(files.Create(new byte[64 * Page]), new MappingOptions { Length = 32 * Page }) // room to grow to 64 pages
                : MemoryMapping.MapAnonymous(new MappingOptions { Length = 32 * Page, Private = true });
            mapping.Fill(0, mapping.Length, 0x5A);
            using var started = new Barrier(3);
            int good = 0, outOfRange = 0, unmapped = 0, closed = 0;
            Task[] users = Enumerable.Range(0, 2).Select(user => Dedicated(() =>
            {
                started.SignalAndWait();
                for (int i = 0; ; i++)
                {
                    try
                    {
                        if (user == 0)
                        {
                            byte[] data = mapping.Read(0, 16 * Page);
                            Assert.All(data, b => Assert.True(b is 0x5A or 0)); // grown pages are zero-filled
                        }
                        else
                        {
                            mapping.Fill(0, 16 * Page, 0x5A);
                            _ = mapping.Find([0xA5]).Any();
                        }
                        Interlocked.Increment(ref good);
                    }
                    catch (MappingClosedException)
                    {
                        Interlocked.Increment(ref closed);
                        return;
                    }
                    catch (ArgumentOutOfRangeException)
                    {
                        Interlocked.Increment(ref outOfRange); // shrunk below the range
                    }
                    catch (MappingAccessException error) when (error.Fault == MappingAccessFault.Unmapped)
                    {
                        Interlocked.Increment(ref unmapped); // the hole
                    }
                }
            })).ToArray();
            // Each change waits until the users have seen it, so every outcome really happens while they run.
            static void AwaitSeen(Func<int> counter, int before, string what) =>
                Assert.True(SpinWait.SpinUntil(() => counter() > before, TimeSpan.FromSeconds(20)), $"the users never saw {what}");
            Task changer = Dedicated(() =>
            {
                started.SignalAndWait();
                AwaitSeen(() => Volatile.Read(ref good), 0, "the mapping");
                mapping.Resize(8 * Page);
                AwaitSeen(() => Volatile.Read(ref outOfRange), 0, "the shrunk mapping");
                int before = Volatile.Read(ref good);
                mapping.Resize(64 * Page);
                AwaitSeen(() => Volatile.Read(ref good), before, "the grown mapping");
                mapping.Unmap(4 * Page, Page);
                AwaitSeen(() => Volatile.Read(ref unmapped), 0, "the hole");
                Thread.Sleep(round % 3);
                mapping.Dispose();
            });

            await Task.WhenAll([changer, .. users]).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.False(mapping.IsOpen);
            Assert.Equal(2, closed); // both users ended on the clean MappingClosedException, none on another error
        }
    }

    [Theory]
    [InlineData("Guarded")]
    [InlineData("File")]
    public async Task A_file_truncated_under_running_reads_and_searches_gives_BeyondEndOfFile(string path)
    {
        byte[] content = TempFiles.Pattern(256 * Page);
        for (int round = 0; round < 10; round++)
        {
            string file = files.Create(content);
            using MemoryMapping mapping = MemoryMapping.MapFile(file, new MappingOptions { Protection = MemoryProtection.Read });
            mapping.ReadPath = Enum.Parse<AccessPath>(path);
            using var started = new Barrier(3);
            Task<MappingAccessException> reader = Dedicated(() =>
            {
                started.SignalAndWait();
                while (true)
                {
                    try
                    {
                        // A read racing the truncation may see the zeros the kernel writes over the cut part of a
                        // large page-cache folio (like reading a file while another process writes it); what
                        // must never happen is a fault, or a byte that was neither the old one nor zero.
                        byte[] data = mapping.Read(0, content.Length);
                        int wrong = Enumerable.Range(0, data.Length).FirstOrDefault(i => data[i] != content[i] && data[i] != 0, -1);
                        Assert.True(wrong < 0, $"byte {wrong} is {(wrong < 0 ? 0 : data[wrong])}");
                    }
                    catch (MappingAccessException error)
                    {
                        return error;
                    }
                }
            });
            Task<MappingAccessException> searcher = Dedicated(() =>
            {
                started.SignalAndWait();
                while (true)
                {
                    try
                    {
                        _ = mapping.Find("no such bytes here"u8).ToArray();
                    }
                    catch (MappingAccessException error)
                    {
                        return error;
                    }
                }
            });
            started.SignalAndWait();
            Thread.Sleep(round % 4);
            Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (Page + 10).ToString(), file));

            foreach (MappingAccessException error in await Task.WhenAll(reader, searcher).WaitAsync(TimeSpan.FromSeconds(30)))
            {
                Assert.Equal(MappingAccessFault.BeyondEndOfFile, error.Fault);
                Assert.True(error.Offset >= Page + 10, $"refused at {error.Offset}"); // at or past the new end: the bytes before it still read
            }
            Assert.Equal(content.AsSpan(0, Page + 10).ToArray(), mapping.Read(0, Page + 10));
            // The rest of the page holding the new end is not the file's: refused, not zeros.
            Assert.Equal(Page + 10, Assert.Throws<MappingAccessException>(() => mapping.Read(Page, Page)).Offset);
        }
    }

    [Fact]
    public async Task A_file_truncated_under_running_guarded_writes_and_fills_gives_BeyondEndOfFile_and_keeps_what_was_written()
    {
        for (int round = 0; round < 10; round++)
        {
            string file = files.Create(new byte[256 * Page]);
            using MemoryMapping mapping = MemoryMapping.MapFile(file);
            Assert.Equal(AccessPath.Guarded, mapping.WritePath);
            byte[] ones = Enumerable.Repeat((byte)1, (int)mapping.Length).ToArray();
            using var started = new Barrier(3);
            Task<MappingAccessException> writer = Dedicated(() => UntilRefused(started, () => mapping.Write(0, ones)));
            Task<MappingAccessException> filler = Dedicated(() => UntilRefused(started, () => mapping.Fill(0, mapping.Length, 1)));
            started.SignalAndWait();
            Thread.Sleep(round % 4);
            Assert.Equal((0, ""), ChildProcess.Run("truncate", "--size", (Page + 10).ToString(), file));

            foreach (MappingAccessException error in await Task.WhenAll(writer, filler).WaitAsync(TimeSpan.FromSeconds(30)))
            {
                Assert.Equal(MappingAccessFault.BeyondEndOfFile, error.Fault);
                // Refused before the copy, at the new end; or where the copy was when the file shrank,
                // past the page holding the new end and exactly at a page start (the copy stops at the
                // first page that no longer exists).
                Assert.True(error.Offset == Page + 10 || (error.Offset >= 2 * Page && error.Offset % Page == 0), $"refused at {error.Offset}");
            }
            mapping.Write(0, ones.AsSpan(0, Page + 10));
            Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.Sync()).Fault); // the file is shorter than the mapping
            mapping.Sync(0, Page + 10);
            Assert.Equal(ones.AsSpan(0, Page + 10).ToArray(), File.ReadAllBytes(file));
        }
    }

    private static MappingAccessException UntilRefused(Barrier started, Action access)
    {
        started.SignalAndWait();
        while (true)
        {
            try
            {
                access();
            }
            catch (MappingAccessException error)
            {
                return error;
            }
        }
    }

    /// <summary>Runs a spinning test thread on a thread of its own: many spinning pool threads on a loaded two-CPU machine stalled the runtime for minutes.</summary>
    private static Task Dedicated(Action body) => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Task<T> Dedicated<T>(Func<T> body) => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
