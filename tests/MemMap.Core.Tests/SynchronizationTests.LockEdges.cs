using System.Diagnostics;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

// Byte-range locks to the byte: the file offsets they lock, who they belong to, the descriptions they
// open and close, waits without a time limit or ended by cancellation, and how soon a waiter follows a release.
public sealed partial class SynchronizationTests
{
    [Fact]
    public void A_lock_covers_the_file_offsets_of_its_range_and_is_listed_as_this_process_s()
    {
        string path = files.Create(new byte[3 * Page]);
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Offset = Page });
        using (MappingRangeLock held = mapping.LockRange(10, 5))
        {
            Assert.Equal((Page + 10L, 5L, false, true), (held.Offset, held.Count, held.IsShared, held.IsHeld));
            Assert.True(OpenDescriptors.ClosesOnExec(held.Descriptor), "a lock's description must close when a child process runs another program (O_CLOEXEC)");
            Assert.Equal($"Exclusive lock on offsets {Page + 10} to {Page + 14} of mapping {mapping.Id}", held.ToString());
            Assert.Equal(new FileLock(path, FileLockType.Write, FileLockKind.OFD, Environment.ProcessId, Page + 10, 5), Assert.Single(mapping.GetFileLocks()));
        }
        MappingRangeLock rest = mapping.LockRange(100, shared: true); // no count: to the mapping's end
        Assert.Equal((Page + 100L, 2L * Page - 100, true), (rest.Offset, rest.Count, rest.IsShared));
        Assert.Equal($"Shared lock on offsets {Page + 100} to {3 * Page - 1} of mapping {mapping.Id}", rest.ToString());
        Assert.Equal(new FileLock(path, FileLockType.Read, FileLockKind.OFD, Environment.ProcessId, Page + 100, 2L * Page - 100), Assert.Single(FileLocks.Read(path)));
        rest.Dispose();
        Assert.False(rest.IsHeld);
        Assert.Empty(mapping.GetFileLocks());
    }

    [Fact]
    public void A_lock_of_no_bytes_is_refused_and_opens_nothing()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        var empty = Assert.Throws<ArgumentOutOfRangeException>(() => mapping.LockRange(0, 0));
        Assert.Contains("A lock covers at least one byte", empty.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.LockRange(2 * Page)); // at the end, no count: no bytes left
        Assert.Equal(1, OpenDescriptors.On(path));
        Assert.Empty(FileLocks.Read(path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_lock_outside_the_mapping_is_refused_naming_the_range_and_opens_nothing(bool anonymous)
    {
        string path = files.Create(new byte[2 * Page]);
        using MemoryMapping mapping = anonymous ? MemoryMapping.MapAnonymous(new MappingOptions { Length = 2 * Page }) : MemoryMapping.MapFile(path);
        Assert.Contains($"offset 0 with count {2 * Page + 1} reaches byte {2 * Page}, past its end", Assert.Throws<ArgumentOutOfRangeException>(() => mapping.LockRange(0, 2 * Page + 1)).Message);
        Assert.Contains($"offset {2 * Page} with count 1 reaches byte {2 * Page}, past its end", Assert.Throws<ArgumentOutOfRangeException>(() => mapping.LockRange(2 * Page, 1)).Message);
        Assert.Contains("offset -1 with count 1 is not a range", Assert.Throws<ArgumentOutOfRangeException>(() => mapping.LockRange(-1, 1)).Message);
        Assert.Contains($"offset {2 * Page + 1} with count -1 is not a range", Assert.Throws<ArgumentOutOfRangeException>(() => mapping.LockRange(2 * Page + 1)).Message); // no count: the rest, which is less than none
        int mappings = anonymous ? 0 : 1; // descriptors on the file: the file mapping's own
        Assert.Equal(mappings, OpenDescriptors.On(path));
        Assert.Empty(FileLocks.Read(path));
        using MappingRangeLock last = mapping.LockRange(2 * Page - 1, 1, timeout: TimeSpan.Zero); // the last byte is inside
        Assert.Equal((2 * mappings, mappings), (OpenDescriptors.On(path), FileLocks.Read(path).Count));
        if (anonymous)
        {
            Assert.Equal(-1, last.Descriptor); // no description to close when it is released
        }
    }

    [Fact]
    public void Locks_of_one_owner_on_one_file_are_a_recursion_through_any_mapping_of_it_and_only_where_they_overlap()
    {
        string path = files.Create(new byte[2 * Page]);
        using MemoryMapping whole = MemoryMapping.MapFile(path);
        using MemoryMapping tail = MemoryMapping.MapFile(path, new MappingOptions { Offset = Page });
        using MemoryMapping other = SharedFile(out _);
        using MappingRangeLock held = whole.LockRange(Page + 100, 10); // file bytes Page+100 to Page+109
        var again = Assert.Throws<MappingLockRecursionException>(() => tail.LockRange(105, 1));
        Assert.Contains($"already holds an exclusive lock on offsets {Page + 100} to {Page + 109} of mapping {tail.Id} ({path})", again.Message); // offsets in the file
        Assert.Throws<MappingLockRecursionException>(() => tail.LockRange(91, 10, shared: true)); // ends on its first byte
        tail.LockRange(90, 10, timeout: TimeSpan.Zero).Dispose(); // ends just before it
        tail.LockRange(110, 10, timeout: TimeSpan.Zero).Dispose(); // starts just after it
        Assert.Throws<MappingTimeoutException>(() => tail.LockRange(100, 10, timeout: TimeSpan.Zero, owner: "another owner")); // anyone else waits for the kernel's lock
        other.LockRange(Page + 100, 10, timeout: TimeSpan.Zero).Dispose(); // another file: free
        Assert.Single(FileLocks.Read(path));
        using MappingRangeLock reading = other.LockRange(0, 10, shared: true);
        Assert.Contains("already holds a shared lock on offsets 0 to 9 of mapping", Assert.Throws<MappingLockRecursionException>(() => other.LockRange(9, 1)).Message);
    }

    [Fact]
    public void Another_owner_of_the_same_thread_waits_for_the_kernel_s_lock_and_times_out_with_the_range_named()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        using MappingRangeLock held = mapping.LockRange(100, 10, owner: "first");
        var clock = Stopwatch.StartNew();
        var timeout = Assert.Throws<MappingTimeoutException>(() => mapping.LockRange(105, 1, timeout: TimeSpan.FromMilliseconds(100), owner: "second"));
        Assert.InRange(clock.ElapsedMilliseconds, 95, 5_000);
        Assert.Equal(MappingTimeoutKind.Lock, timeout.Kind);
        Assert.Contains($"Waited 0.1 s for an exclusive lock on offsets 105 to 105 of {path} (mapping {mapping.Id})", timeout.Message);
        Assert.Equal(2, OpenDescriptors.On(path)); // the mapping's and the held lock's: the refused one is closed
    }

    [Fact]
    public void Locks_on_two_anonymous_mappings_never_meet_and_shared_ones_share_but_exclude_an_exclusive_one()
    {
        using MemoryMapping first = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        using MemoryMapping second = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        using MappingRangeLock reading = first.LockRange(0, 10, shared: true);
        Assert.Equal((0L, 10L), (reading.Offset, reading.Count));
        second.LockRange(0, 10).Dispose(); // the same owner, the same offsets, other memory
        OnOtherThread(() => first.LockRange(5, 10, shared: true, timeout: TimeSpan.Zero).Dispose());
        var blocked = Assert.Throws<MappingTimeoutException>(() => OnOtherThread(() => first.LockRange(9, 5, timeout: TimeSpan.FromMilliseconds(50))));
        Assert.Contains("Waited 0.05 s for an exclusive lock on offsets 9 to 13 of anonymous memory", blocked.Message);
        OnOtherThread(() => first.LockRange(10, 5, timeout: TimeSpan.Zero).Dispose()); // just after it
        using MappingRangeLock writing = first.LockRange(20, 10);
        var shared = Assert.Throws<MappingTimeoutException>(() => OnOtherThread(() => first.LockRange(25, 1, shared: true, timeout: TimeSpan.Zero)));
        Assert.Contains("Waited 0 s for a shared lock on offsets 25 to 25 of anonymous memory", shared.Message);
    }

    [Theory]
    [InlineData(false, 3_000)] // long enough for a backoff that kept doubling to pass a second
    [InlineData(true, 200)]
    public void A_waiter_without_a_time_limit_gets_the_lock_soon_after_a_long_hold_ends(bool anonymous, int holdMilliseconds)
    {
        using MemoryMapping mapping = anonymous ? MemoryMapping.MapAnonymous(new MappingOptions { Length = Page }) : SharedFile(out _);
        MappingRangeLock held = mapping.LockRange(0, 10);
        long got = 0;
        Func<bool> waiter = Started(() =>
        {
            using MappingRangeLock mine = mapping.LockRange(5, 10);
            Volatile.Write(ref got, Stopwatch.GetTimestamp());
            return true;
        });
        Thread.Sleep(holdMilliseconds);
        Assert.Equal(0, Volatile.Read(ref got));
        long released = Stopwatch.GetTimestamp();
        held.Dispose();
        Assert.True(waiter());
        TimeSpan late = Stopwatch.GetElapsedTime(released, Volatile.Read(ref got));
        Assert.True(late < TimeSpan.FromMilliseconds(700), $"the waiter took the lock {late.TotalMilliseconds} ms after its release");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_lock_wait_without_a_time_limit_ends_on_cancellation_and_holds_nothing(bool anonymous)
    {
        string path = files.Create(new byte[2 * Page]);
        using MemoryMapping mapping = anonymous ? MemoryMapping.MapAnonymous(new MappingOptions { Length = Page }) : MemoryMapping.MapFile(path);
        using MappingRangeLock held = mapping.LockRange(0, 10);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => OnOtherThread(() => mapping.LockRange(0, 10, cancellationToken: cancel.Token)));
        Assert.InRange(clock.ElapsedMilliseconds, 190, 5_000);
        OnOtherThread(() => mapping.LockRange(10, 10, timeout: TimeSpan.Zero).Dispose());
        if (!anonymous)
        {
            Assert.Single(FileLocks.Read(path));
            Assert.Equal(3, OpenDescriptors.On(path)); // the mapping's, the held lock's, the idle one of the lock just released
        }
    }

    [Fact]
    public void A_released_lock_s_description_is_kept_for_the_next_holder_and_closed_with_the_mapping()
    {
        MemoryMapping mapping = SharedFile(out string path);
        Assert.Equal(1, OpenDescriptors.On(path));
        MappingRangeLock first = mapping.LockRange(0, 10);
        Assert.Equal(2, OpenDescriptors.On(path));
        first.Dispose();
        Assert.Equal((false, -1), (first.IsHeld, first.Descriptor)); // released for good: a second Dispose must close nothing

        Assert.Equal(2, OpenDescriptors.On(path)); // unlocked and idle
        Assert.Empty(FileLocks.Read(path));
        first.Dispose();
        mapping.LockRange(0, 10).Dispose(); // the idle one again
        Assert.Equal(2, OpenDescriptors.On(path));
        Assert.Throws<MappingLockRecursionException>(() => { using MappingRangeLock a = mapping.LockRange(0, 10); mapping.LockRange(5, 1); });
        Assert.Equal(2, OpenDescriptors.On(path)); // the refused one is closed, the first returned

        MappingRangeLock outliving = mapping.LockRange(0, 10);
        mapping.LockRange(20, 10).Dispose(); // idle again
        Assert.Equal(3, OpenDescriptors.On(path));
        mapping.Dispose();
        Assert.Equal(1, OpenDescriptors.On(path)); // only the held lock's
        Assert.Single(FileLocks.Read(path));
        outliving.Dispose();
        Assert.Equal(0, OpenDescriptors.On(path));
        Assert.Empty(FileLocks.Read(path));
    }

    [Fact]
    public void Anonymous_memory_and_shared_memory_list_their_locks_as_they_are()
    {
        using MemoryMapping anonymous = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        using (anonymous.LockRange(0, 10))
        {
            Assert.Empty(anonymous.GetFileLocks());
        }
        string name = $"/memmap-locktest-{Environment.ProcessId}-{Guid.NewGuid():N}";
        using MemoryMapping shared = MemoryMapping.MapSharedMemory(name, new MappingOptions { Length = Page });
        try
        {
            using MappingRangeLock held = shared.LockRange(8, 8, shared: true);
            FileLock listed = Assert.Single(shared.GetFileLocks());
            Assert.Equal((FileLockType.Read, FileLockKind.OFD, Environment.ProcessId, 8L, 8L), (listed.Type, listed.Kind, listed.ProcessId, listed.Offset, listed.Count));
            Assert.Equal(listed with { Path = "/dev/shm" + name }, Assert.Single(FileLocks.Read("/dev/shm" + name)));
        }
        finally
        {
            MemoryMapping.UnlinkSharedMemory(name);
        }
    }

    [Fact]
    public void A_user_who_may_only_read_the_file_takes_shared_locks_again_and_again_and_is_refused_an_exclusive_one_by_name()
    {
        string path = files.Create(new byte[Page]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        // root opens any file for writing, so as root the experiment runs in a child process as 'nobody' (65534).
        string? user = Environment.UserName == "root" ? "65534" : null;
        File.SetUnixFileMode(files.Folder, File.GetUnixFileMode(files.Folder) | UnixFileMode.OtherExecute);
        (int exitCode, string output) = ChildProcess.RunChildUnder([], user, "read-only-locks", path);
        Assert.Equal(0, exitCode);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["shared 1", "shared 1"], lines[..2]); // a read-only description serves a read lock; released, it is closed, not kept
        Assert.StartsWith("open EACCES: ", lines[2]);
        Assert.Contains("An exclusive lock needs the file open for writing, which this user may not: take a shared lock (-Shared).", lines[2]);
        Assert.Empty(FileLocks.Read(path));
    }

    [SkippableFact]
    public void On_a_read_only_file_system_shared_locks_are_taken_again_and_again_and_an_exclusive_one_is_refused_by_name()
    {
        // Root may open any file for writing, except on a read-only file system: the same path as the
        // child's above, in the test host.
        using SmallTmpfs tmpfs = SmallTmpfs.Mount(files);
        string path = Path.Combine(tmpfs.Path, "locked");
        File.WriteAllBytes(path, new byte[Page]);
        tmpfs.RemountReadOnly();
        using (MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read }))
        {
            for (int round = 0; round < 2; round++)
            {
                using (MappingRangeLock reading = mapping.LockRange(10, 5, shared: true))
                {
                    Assert.Equal(new FileLock(path, FileLockType.Read, FileLockKind.OFD, Environment.ProcessId, 10, 5), Assert.Single(mapping.GetFileLocks()));
                    Assert.Equal(2, OpenDescriptors.On(path)); // the mapping's and the lock's, opened for reading only
                    Assert.True(OpenDescriptors.ClosesOnExec(reading.Descriptor), "a lock's description must close when a child process runs another program (O_CLOEXEC)");
                }
                Assert.Equal(1, OpenDescriptors.On(path)); // released, a read-only description is closed, not kept: it could not serve an exclusive lock
                Assert.Empty(FileLocks.Read(path));
            }
            var refused = Assert.Throws<SystemCallException>(() => mapping.LockRange(10, 5));
            Assert.Equal(("open", "EROFS"), (refused.SystemCall, refused.ErrnoName));
            Assert.EndsWith("An exclusive lock needs the file open for writing, and its file system is mounted read-only: take a shared lock (-Shared).", refused.Message);
            Assert.Equal(1, OpenDescriptors.On(path));
            Assert.Empty(FileLocks.Read(path));
        }
    }

    [Fact]
    public void A_file_lock_waiter_backs_off_from_1_ms_doubling_to_MaxLockBackoff_and_never_sleeps_past_its_time_limit()
    {
        var pauses = new List<double>();
        TimeSpan backoff = TimeSpan.FromMilliseconds(1); // Acquire's first
        for (int i = 0; i < 6; i++)
        {
            pauses.Add(MemoryMapping.LockPause(null, backoff).TotalMilliseconds); // no time limit
            backoff = MemoryMapping.NextLockBackoff(backoff);
        }
        Assert.Equal([1, 2, 4, 8, 10, 10], pauses);
        Assert.Equal(TimeSpan.FromMilliseconds(10), MemoryMapping.MaxLockBackoff);
        Assert.Equal(TimeSpan.FromMilliseconds(3), MemoryMapping.LockPause(TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(8))); // 3 ms left
        Assert.Equal(TimeSpan.FromMilliseconds(8), MemoryMapping.LockPause(TimeSpan.FromMilliseconds(9), TimeSpan.FromMilliseconds(8)));
    }

    [Fact]
    public void A_file_lock_waiter_sleeps_between_its_tries_and_tries_about_once_in_MaxLockBackoff()
    {
        using MemoryMapping mapping = SharedFile(out _);
        MappingRangeLock held = mapping.LockRange(0, 10);
        Func<(long Sleeps, TimeSpan Waited)> waiter = Started(() =>
        {
            mapping.LockRange(20, 10).Dispose(); // the lock's code compiled before the count starts
            int tid = CurrentThreadId();
            long before = Sleeps(tid);
            long started = Stopwatch.GetTimestamp();
            mapping.LockRange(0, 10).Dispose();
            return (Sleeps(tid) - before, Stopwatch.GetElapsedTime(started));
        });
        Thread.Sleep(500);
        held.Dispose();
        (long sleeps, TimeSpan waited) = waiter();
        // Pauses of 1, 2, 4 and 8 ms, then one of MaxLockBackoff before each try: a pause never ends
        // early, so no more than 4 + waited / MaxLockBackoff of them fit in the wait (and a few sleeps
        // of the runtime's own, such as a garbage collection's). A waiter that did not back off would
        // sleep once a millisecond; one that did not sleep would spin, sleeping hardly at all.
        long most = 4 + (long)(waited / MemoryMapping.MaxLockBackoff) + 10;
        Assert.True(sleeps >= 5 && sleeps <= most, $"the waiter slept {sleeps} times in its {waited.TotalMilliseconds:0} ms wait: at least 5 and at most {most} were expected");
    }

    [Fact]
    public void An_anonymous_memory_waiter_sleeps_until_the_release_wakes_it_and_does_not_poll()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        MappingRangeLock held = mapping.LockRange(0, 10);
        int tid = 0;
        Func<long> waiter = Started(() =>
        {
            mapping.LockRange(20, 10).Dispose(); // the lock's code compiled before the count starts
            Volatile.Write(ref tid, CurrentThreadId());
            long before = Sleeps(tid);
            mapping.LockRange(0, 10, timeout: TimeSpan.FromSeconds(60)).Dispose();
            return Sleeps(tid) - before;
        });
        SpinWait.SpinUntil(() => Volatile.Read(ref tid) != 0);
        AwaitAsleep(tid);
        Thread.Sleep(300); // a poll, or a backoff like a file lock's, would wake it many times meanwhile
        held.Dispose();
        Assert.InRange(waiter(), 1, 4); // asleep once on the monitor, woken by the release (and maybe once or twice on the monitor's own lock)
    }

    [SkippableFact]
    public void Two_files_whose_inode_numbers_differ_only_in_the_lowest_bit_do_not_share_their_locks()
    {
        // The lock table keys a file by its device and inode; a key that dropped the inode's lowest bit
        // made the second of two files created one after the other a "recursion" of the first's lock.
        var byInode = new Dictionary<ulong, string>();
        (string First, string Second)? pair = null;
        for (int i = 0; i < 64 && pair is null; i++)
        {
            string path = files.Create(new byte[Page]);
            Assert.Equal(0, MemMap.Interop.Libc.Stat(path, out MemMap.Interop.Libc.FileStatus status));
            pair = byInode.TryGetValue(status.Inode ^ 1, out string? neighbour) ? (neighbour, path) : null;
            byInode[status.Inode] = path;
        }
        Skip.If(pair is null, "the file system gave none of 64 new files an inode number one bit away from another's; run it on ext4, xfs or tmpfs, which number new files in sequence");
        using MemoryMapping first = MemoryMapping.MapFile(pair.Value.First), second = MemoryMapping.MapFile(pair.Value.Second);
        using MappingRangeLock held = first.LockRange(0, 10);
        using MappingRangeLock other = second.LockRange(0, 10, timeout: TimeSpan.Zero);
        Assert.Equal(Environment.ProcessId, Assert.Single(FileLocks.Read(pair.Value.Second)).ProcessId);
    }
}
