using System.Globalization;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>The locking tests read the process-wide VmLck, so no other test may lock or unlock memory meanwhile.</summary>
[CollectionDefinition(nameof(LockedMemory), DisableParallelization = true)]
public sealed class LockedMemory;

/// <summary>mlock2/munlock on real mappings, proven by what the kernel counts in /proc/self/status and smaps.</summary>
[Collection(nameof(LockedMemory))]
public sealed class LockingTests
{
    // Shared anonymous memory never merges with the runtime's neighbouring areas, so its smaps block is its own.
    private static readonly int Page = Environment.SystemPageSize;
    private const int MemlockLimit = 65536;

    [Fact]
    public void Lock_shows_in_VmLck_and_Unlock_brings_it_back()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 16 * Page, Private = false });
        long before = LockedKilobytes();

        mapping.Lock();

        Assert.Equal(before + 16 * Page / 1024, LockedKilobytes());
        Assert.Equal($"{16 * Page / 1024} kB", MapsFile.SmapsOf(mapping)["Locked"]); // faulted in and locked now
        Assert.Contains("lo", MapsFile.SmapsOf(mapping)["VmFlags"].Split(' '));

        mapping.Unlock();

        Assert.Equal(before, LockedKilobytes());
        Assert.DoesNotContain("lo", MapsFile.SmapsOf(mapping)["VmFlags"].Split(' '));
    }

    [Fact]
    public void Locking_a_range_locks_the_whole_pages_that_hold_it_and_nothing_else()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4 * Page, Private = false });
        long before = LockedKilobytes();

        mapping.Lock(Page + 100, Page); // touches pages 1 and 2

        Assert.Equal(before + 2 * Page / 1024, LockedKilobytes());
        IReadOnlyList<ProcessMemoryRegion> areas = MapsFile.RegionsOf(mapping);
        Assert.Equal(3, areas.Count); // the kernel split the area around the locked pages
        Assert.Equal((ulong)(2 * Page), areas[1].End - areas[1].Start);

        mapping.Unlock(2 * Page, 1);
        Assert.Equal(before + Page / 1024, LockedKilobytes());
        mapping.Unlock();
        Assert.Equal(before, LockedKilobytes());
    }

    [Fact]
    public void OnFault_locks_pages_only_as_they_are_first_touched()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 8 * Page, Private = false });

        mapping.Lock(onFault: true);

        Assert.Contains("lf", MapsFile.SmapsOf(mapping)["VmFlags"].Split(' '));
        Assert.Equal("0 kB", MapsFile.SmapsOf(mapping)["Locked"]);
        mapping.Write(3 * Page, "touch"u8);
        Assert.Equal($"{Page / 1024} kB", MapsFile.SmapsOf(mapping)["Locked"]);
        mapping.Unlock();
        Assert.DoesNotContain("lf", MapsFile.SmapsOf(mapping)["VmFlags"].Split(' '));
    }

    [Fact]
    public void A_range_that_touches_a_hole_is_refused_and_the_whole_mapping_locks_the_rest()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 3 * Page, Private = false });
        mapping.Unmap(Page, Page);
        long before = LockedKilobytes();

        var error = Assert.Throws<MappingAccessException>(() => mapping.Lock(0, 2 * Page));
        Assert.Equal(MappingAccessFault.Unmapped, error.Fault);
        Assert.Equal(before, LockedKilobytes());

        mapping.Lock();
        Assert.Equal(before + 2 * Page / 1024, LockedKilobytes());
        mapping.Unlock();
        Assert.Equal(before, LockedKilobytes());
    }

    [Fact]
    public void DontNeed_on_locked_pages_is_refused_with_what_to_do_and_the_data_stays()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page, Private = false });
        mapping.Write(0, "keep"u8);
        mapping.Lock();

        var error = Assert.Throws<SystemCallException>(() => mapping.Advise(MappingAdvice.DontNeed));

        Assert.Equal("EINVAL", error.ErrnoName);
        Assert.Contains("Unlock-MemoryMapping", error.Message);
        Assert.Equal("keep"u8.ToArray(), mapping.Read(0, 4));
    }

    [Fact]
    public async Task Locks_and_advice_on_sub_ranges_while_other_threads_read_and_write_never_fail_or_tear()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 8 * Page, Private = false });
        long before = LockedKilobytes();
        using var stop = new CancellationTokenSource();
        Task[] users = [.. Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
        {
            byte[] mine = Enumerable.Repeat((byte)(thread + 1), 64).ToArray();
            while (!stop.IsCancellationRequested)
            {
                mapping.Write(thread * 2 * Page + 100, mine);
                Assert.Equal(mine, mapping.Read(thread * 2 * Page + 100, 64));
            }
        }))];

        for (int round = 0; round < 200; round++)
        {
            long offset = round % 8 * Page;
            mapping.Lock(offset, Page);
            mapping.Advise(MappingAdvice.Random, offset, 1);
            mapping.Advise(MappingAdvice.WillNeed, offset, Page);
            mapping.Unlock(offset, Page);
            mapping.Advise(MappingAdvice.Normal);
        }
        stop.Cancel();
        await Task.WhenAll(users);

        Assert.Equal(before, LockedKilobytes());
        Assert.Single(MapsFile.RegionsOf(mapping)); // the kernel merged every split area back
    }

    [Fact]
    public async Task Advice_and_locks_on_the_tail_while_another_thread_shrinks_and_grows_the_mapping_fail_only_cleanly()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 8 * Page, Private = true });
        long before = LockedKilobytes();
        using var stop = new CancellationTokenSource();
        int attempts = 0, refused = 0;
        Task user = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    mapping.Advise(MappingAdvice.WillNeed, 7 * Page, Page);
                    mapping.Lock(6 * Page, 2 * Page);
                    mapping.Unlock(6 * Page);
                }
                catch (ArgumentOutOfRangeException)
                {
                    refused++; // the tail is gone for now: the only error allowed
                }
                Interlocked.Increment(ref attempts);
                Thread.Yield(); // the gate is not fair: let the resizing thread in
            }
        });

        for (int round = 0; round < 400 && !user.IsCompleted; round++)
        {
            mapping.Resize(round % 2 == 0 ? 4 * Page : 8 * Page);
            // Let the other thread meet this size: a whole attempt begun after the resize.
            int seen = Volatile.Read(ref attempts);
            SpinWait.SpinUntil(() => Volatile.Read(ref attempts) > seen + 1 || user.IsCompleted);
        }
        stop.Cancel();
        await user; // rethrows anything but the clean refusal, such as madvise or mlock2 on pages no longer there

        Assert.True(refused > 0 && refused < attempts, $"{refused} of {attempts} attempts were refused: both sizes should have been met.");
        mapping.Unlock();
        Assert.Equal(before, LockedKilobytes());
    }

    [Fact]
    public void A_lock_past_RLIMIT_MEMLOCK_is_refused_naming_the_limit_and_its_value()
    {
        // Root (CAP_IPC_LOCK) is not held to RLIMIT_MEMLOCK, so a child runs as nobody with a 64 KiB limit.
        using var child = new StagedChild();
        string[] wrapper = Environment.UserName == "root"
            ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "prlimit", $"--memlock={MemlockLimit}:{MemlockLimit}", "--"]
            : ["prlimit", $"--memlock={MemlockLimit}:{MemlockLimit}", "--"];
        (int, string) Lock(long bytes) => ChildProcess.Run(wrapper[0], [.. wrapper[1..], ChildProcess.DotnetHost, child.Assembly, "lock", bytes.ToString(CultureInfo.InvariantCulture)]);

        (int refused, string refusal) = Lock(1 << 20);

        Assert.True(refused == 1, $"The child exited {refused}: {refusal}");
        Assert.StartsWith("SystemCallException: mlock2 failed", refusal);
        Assert.Contains("RLIMIT_MEMLOCK", refusal);
        Assert.Contains($"now {MemlockLimit} bytes", refusal);
        Assert.Equal((0, "locked"), Lock(4 * Page)); // within the limit the same child locks fine
    }

    /// <summary>VmLck of /proc/self/status: the kilobytes this process has locked.</summary>
    private static long LockedKilobytes()
    {
        string line = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("VmLck:", StringComparison.Ordinal));
        return long.Parse(line["VmLck:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
    }
}
