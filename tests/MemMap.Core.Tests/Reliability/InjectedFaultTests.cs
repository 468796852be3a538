using System.Net.Sockets;
using MemMap.Tests.Helpers;

namespace MemMap.Tests.Reliability;

/// <summary>
/// Faults injected from outside — another process truncating the file mid-operation, a full disk,
/// lowered resource limits, files that cannot be mapped — each a clear, typed error, and the
/// process alive (the limits run in a real child process, whose exit code and output are checked).
/// </summary>
public sealed class InjectedFaultTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    /// <summary>
    /// 64 MiB reads, writes of zeros and searches run while another process truncates the file to
    /// half and extends it back, again and again. Each call returns data (every byte the pattern's
    /// or zero: the truncated half comes back as zeros) or BeyondEndOfFile at or past the cut.
    /// </summary>
    [Fact]
    public async Task Truncation_by_another_process_mid_read_mid_write_and_mid_search_is_a_clean_error()
    {
        const int length = 64 << 20, half = length / 2;
        byte[] content = TempFiles.Pattern(length);
        string path = files.Create(content);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        using var stop = new CancellationTokenSource();
        int[] done = new int[3], refused = new int[3];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var users = Enumerable.Range(0, 3).Select(user => Task.Factory.StartNew(() =>
        {
            byte[] zeros = new byte[4 << 20];
            byte[] data = user == 0 ? new byte[length] : []; // one buffer, reused: no 64 MiB allocation per read
            var random = new Random(user);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    switch (user)
                    {
                        case 0:
                            mapping.Read(0, data);
                            for (int i = 0; i < length; i += 4093)
                            {
                                if (data[i] != content[i] && data[i] != 0) failures.Enqueue($"byte {i} is {data[i]}");
                            }
                            break;
                        case 1:
                            mapping.Write(half + random.Next(0, half - zeros.Length), zeros); // only the half that comes back as zeros
                            break;
                        default:
                            _ = mapping.Find([1, 2, 3, 4, 5, 6, 7, 8, 9]).Count(); // pattern bytes 1…9 occur every 251 bytes
                            break;
                    }
                    done[user]++;
                }
                // Refused: the copy met the cut, but the file was extended again before the error was explained.
                catch (MappingAccessException error) when (error.Offset >= half && (error.Fault == MappingAccessFault.BeyondEndOfFile
                    || (error.Fault == MappingAccessFault.Refused && error.Message.Contains("truncated the file and extended it again", StringComparison.Ordinal))))
                {
                    refused[user]++;
                }
                catch (Exception error)
                {
                    failures.Enqueue($"user {user}: {error.GetType().Name} {(error as MappingAccessException)?.Fault}: {error.Message}");
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        for (int round = 0; round < 40; round++)
        {
            Assert.Equal(0, ChildProcess.Run("truncate", "-s", (half + round % 3 * 1000).ToString(), path).ExitCode);
            await Task.Delay(5);
            Assert.Equal(0, ChildProcess.Run("truncate", "-s", length.ToString(), path).ExitCode);
            await Task.Delay(5);
        }
        // The file is whole again: every user must now complete a call (a refusal before the copy is
        // quick, so on a busy machine one may have met nothing but short files so far).
        SpinWait.SpinUntil(() => Enumerable.Range(0, done.Length).All(user => Volatile.Read(ref done[user]) > 0), TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Task.WhenAll(users).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Empty(failures);
        Assert.All(done, count => Assert.True(count > 0, $"done {string.Join("/", done)}, refused {string.Join("/", refused)}"));
        Assert.True(refused.Sum() > 0, $"no call met a truncated file: done {string.Join("/", done)}");
        Assert.Equal(content.AsSpan(0, half).ToArray(), mapping.Read(0, half)); // the first half never changed
    }

    [SkippableFact]
    public void A_full_disk_while_extending_a_file_is_a_clean_error_naming_the_full_file_system()
    {
        using SmallTmpfs tmpfs = SmallTmpfs.Mount(files);
        string path = Path.Combine(tmpfs.Path, "data");
        using (MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Create = true, Length = 4 << 20 }))
        {
            // ftruncate makes a sparse file: the blocks are taken when the pages are first written.
            var full = Assert.Throws<MappingAccessException>(() => mapping.Fill(0, 4 << 20, 7));
            Assert.Equal(MappingAccessFault.Refused, full.Fault);
            Assert.InRange(full.Offset, Page, 1 << 20);
            Assert.Contains("file system is full", full.Message);

            // A small write across that edge (the small copy's fault, redone by the guarded copy):
            // exactly the bytes before the page that has no block, and the error at that page.
            var straddle = Assert.Throws<MappingAccessException>(() => mapping.Write(full.Offset - 3, [1, 2, 3, 4, 5, 6, 7, 8]));
            Assert.Equal(full.Offset, straddle.Offset);
            Assert.Equal([1, 2, 3], mapping.Read(full.Offset - 3, 3));
            Assert.Equal(MappingAccessFault.Refused, Assert.Throws<MappingAccessException>(() => mapping.ReadValue<long>(full.Offset - 4)).Fault);

            mapping.Resize(8 << 20, extendFile: true); // extending succeeds: still sparse
            Assert.Contains("file system is full", Assert.Throws<MappingAccessException>(() => mapping.Write(6 << 20, [1])).Message);
            Assert.All(mapping.Read(0, Page), b => Assert.Equal(7, b)); // what was written stays readable
            mapping.Sync();
        }
        Assert.Equal(8 << 20, new FileInfo(path).Length);
    }

    [SkippableFact]
    public void A_lowered_RLIMIT_MEMLOCK_refuses_a_locked_mapping_naming_the_limit()
    {
        // root may lock without limit (CAP_IPC_LOCK), so the child runs as 'nobody' where that is possible.
        string? user = ChildProcess.CanSwitchUser ? "65534" : null;
        Skip.If(user is null && Environment.UserName == "root", "running as root without setpriv: root ignores RLIMIT_MEMLOCK, so the child must run as nobody; install util-linux (setpriv)");
        string[] limit = ["prlimit", "--memlock=65536:65536", "--"];

        (int exit, string output) = ChildProcess.RunChildUnder(limit, user, "map-locked", (1 << 20).ToString());

        Assert.True(exit == 1, $"exit {exit}: {output}");
        Assert.StartsWith("SystemCallException: mlock failed", output);
        Assert.Contains("RLIMIT_MEMLOCK (now 65536 bytes", output);
        Assert.Equal((0, "mapped"), ChildProcess.RunChildUnder(limit, user, "map-locked", (2 * Page).ToString()));
    }

    [Fact]
    public void Running_out_of_address_space_under_RLIMIT_AS_is_refused_by_MemMap_and_the_process_stays_healthy()
    {
        // The GC reserves address space in proportion to RLIMIT_AS (about 80% of 4 GB); a 1 GiB region range keeps it small and the test the same on every machine.
        string[] limit = ["prlimit", "--as=4000000000", "--", "env", "DOTNET_GCRegionRange=0x40000000"];

        (int exit, string output) = ChildProcess.RunChildUnder(limit, null, "exhaust-address-space");

        Assert.True(exit == 0, $"exit {exit}: {output}");
        Assert.Matches(@"refused after \d+: Cannot map 67108864 bytes of anonymous memory: .*RLIMIT_AS \(4000000000 bytes", output);
        Assert.Contains("healthy: 536870912 bytes allocated, 0 mappings left", output);
    }

    [Theory]
    [InlineData("warm")]
    [InlineData("cold")] // Found here: MemMap's first look at /proc needs a descriptor too; an IOException escaped MapFile and MapAnonymous.
    public void With_every_descriptor_taken_a_new_mapping_is_refused_cleanly_and_works_again_once_some_are_closed(string mode)
    {
        string path = files.CreatePattern(Page);

        (int exit, string output) = ChildProcess.Run("prlimit", "--nofile=128:128", "--", ChildProcess.DotnetHost, ChildProcess.ChildAssembly, "emfile", path, mode);

        Assert.True(exit == 0, $"exit {exit}: {output}");
        Assert.Matches(@"open refused after \d+", output);
        // MemMap re-counts descriptors only once its own use grows, so files opened by others are met by open itself: EMFILE.
        Assert.Matches("map refused: (ProcessLimitException: .*RLIMIT_NOFILE is 128|SystemCallException: open failed .*EMFILE .*no file descriptor left)", output);
        Assert.Contains("anonymous memory mapped with no descriptor left", output);
        Assert.Contains($"healthy: mapped {Page} bytes", output);
    }

    [Fact]
    public async Task A_FIFO_is_refused_at_once_instead_of_waiting_forever_for_a_writer()
    {
        // Found here: open(O_RDONLY) of a FIFO waits for a writer, so mapping one for reading hung forever.
        string fifo = files.NewPath();
        Assert.Equal(0, ChildProcess.Run("mkfifo", fifo).ExitCode);

        foreach (MemoryProtection protection in new[] { MemoryProtection.Read, MemoryProtection.ReadWrite })
        {
            Task<MemoryMapping> map = Task.Run(() => MemoryMapping.MapFile(fifo, new MappingOptions { Protection = protection }));
            try
            {
                MemoryMapping mapped = await map.WaitAsync(TimeSpan.FromSeconds(10));
                mapped.Dispose();
                Assert.Fail($"mapping a FIFO for {protection} succeeded instead of being refused");
            }
            catch (TimeoutException)
            {
                using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write); // lets the stuck open return
                (await map.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null))?.Dispose();
                Assert.Fail("mapping a FIFO waited for a writer");
            }
            catch (ArgumentException refused)
            {
                Assert.Contains("not a regular file", refused.Message);
            }
        }
    }

    [Fact]
    public void A_socket_is_refused_with_ENXIO_and_advice()
    {
        string path = files.NewPath();
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));

        var error = Assert.Throws<SystemCallException>(() => MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read }));

        Assert.Equal("ENXIO", error.ErrnoName);
        Assert.Contains("map a regular file", error.Message);
    }

    public static TheoryData<string, string> Unmappable() => new()
    {
        { "/dev/null", "character device: it has no size|ENODEV" },          // a device: no size; mmap refuses it
        { "/proc/self/status", "kernel writes this file as it is read" },  // /proc files report size 0
        { "/proc/sys/vm/max_map_count", "kernel writes this file as it is read" },
        { "/sys/kernel/mm/transparent_hugepage/enabled", "ENODEV" },        // sysfs: size 4096, but mmap is refused
        { "/tmp", "not a regular file" },
    };

    [Theory]
    [MemberData(nameof(Unmappable))]
    public void Files_that_cannot_be_mapped_are_refused_with_a_clear_error(string path, string reason)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return; // not on this system
        }
        foreach (MappingOptions options in new[] { new MappingOptions { Protection = MemoryProtection.Read }, new MappingOptions { Protection = MemoryProtection.Read, Length = Page, Private = true } })
        {
            Exception error = Assert.ThrowsAny<Exception>(() => MemoryMapping.MapFile(path, options).Dispose());
            Assert.True(error is ArgumentException or SystemCallException, error.ToString());
            Assert.Matches(reason, error.Message);
        }
    }
}
