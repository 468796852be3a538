using System.Diagnostics;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

// Byte-range locks (LockRange): between threads, processes and owners, and what outlives a mapping or a truncation.
public sealed partial class SynchronizationTests
{
    [Fact]
    public void Locks_of_two_threads_on_one_file_range_exclude_each_other_and_shared_locks_share()
    {
        using MemoryMapping mapping = SharedFile(out _);
        using (mapping.LockRange(0, 100))
        {
            var blocked = Assert.Throws<MappingTimeoutException>(() => OnOtherThread(() => mapping.LockRange(50, 10, timeout: TimeSpan.FromMilliseconds(100))));
            Assert.Equal(MappingTimeoutKind.Lock, blocked.Kind);
            OnOtherThread(() => mapping.LockRange(100, 10, timeout: TimeSpan.Zero).Dispose()); // beside it: free
        }
        OnOtherThread(() => mapping.LockRange(50, 10, timeout: TimeSpan.Zero).Dispose());

        using MappingRangeLock reader = mapping.LockRange(0, 10, shared: true);
        OnOtherThread(() => mapping.LockRange(0, 10, shared: true, timeout: TimeSpan.Zero).Dispose());
        Assert.Throws<MappingTimeoutException>(() => OnOtherThread(() => mapping.LockRange(0, 10, timeout: TimeSpan.Zero)));
    }

    [Fact]
    public void Locks_on_anonymous_memory_exclude_other_threads()
    {
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Page });
        MappingRangeLock held = mapping.LockRange();
        bool got = false;
        Func<MappingRangeLock> waiter = Started(() => { MappingRangeLock mine = mapping.LockRange(timeout: TimeSpan.FromSeconds(30)); Volatile.Write(ref got, true); return mine; });
        Thread.Sleep(100);
        Assert.False(Volatile.Read(ref got));
        held.Dispose();
        waiter().Dispose();
    }

    [Fact]
    public void An_overlapping_lock_by_the_same_owner_is_a_recursion_error_not_a_deadlock()
    {
        using MemoryMapping mapping = SharedFile(out _);
        using MappingRangeLock held = mapping.LockRange(0, 100);
        Assert.Throws<MappingLockRecursionException>(() => mapping.LockRange(99, 1));
        Assert.Throws<MappingLockRecursionException>(() => mapping.LockRange(0, 1, shared: true));
        mapping.LockRange(100, 1, timeout: TimeSpan.Zero).Dispose();
    }

    [Fact]
    public void A_lock_held_by_a_process_killed_with_SIGKILL_is_free_within_a_second()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        using Process holder = ChildProcess.StartChild(["hold-lock", path, "0", "4096"]);
        Assert.Equal("locked", holder.StandardOutput.ReadLine());
        FileLock held = Assert.Single(FileLocks.Read(path));
        Assert.Equal((FileLockKind.OFD, FileLockType.Write, holder.Id, 0L, 4096L), (held.Kind, held.Type, held.ProcessId!.Value, held.Offset, held.Count!.Value));
        Assert.Throws<MappingTimeoutException>(() => mapping.LockRange(0, 1, timeout: TimeSpan.FromMilliseconds(100)));

        holder.Kill();
        var clock = Stopwatch.StartNew();
        mapping.LockRange(0, 1, timeout: TimeSpan.FromSeconds(5)).Dispose();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_lock_held_by_a_stopped_process_is_never_taken_from_it()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        using Process holder = ChildProcess.StartChild(["hold-lock", path, "0", "4096"]);
        Assert.Equal("locked", holder.StandardOutput.ReadLine());
        ChildProcess.Run("kill", "-STOP", holder.Id.ToString());
        try
        {
            Assert.Throws<MappingTimeoutException>(() => mapping.LockRange(0, 10, timeout: TimeSpan.FromMilliseconds(500)));
            Assert.Equal(holder.Id, Assert.Single(FileLocks.Read(path)).ProcessId);
        }
        finally
        {
            holder.Kill();
            ChildProcess.Run("kill", "-CONT", holder.Id.ToString());
        }
    }

    [Fact]
    public void A_lock_outlives_its_mapping_and_is_released_cleanly()
    {
        MemoryMapping mapping = SharedFile(out string path);
        MappingRangeLock held = mapping.LockRange(0, 10);
        mapping.Dispose();
        Assert.Single(FileLocks.Read(path));
        held.Dispose();
        held.Dispose();
        Assert.Empty(FileLocks.Read(path));
        Assert.Throws<MappingClosedException>(() => mapping.LockRange(0, 10));
    }

    [Fact]
    public void A_lock_on_a_file_truncated_under_it_stays_and_the_lost_pages_are_errors()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        using (mapping.LockRange())
        {
            ChildProcess.Run("truncate", "--size", "0", path);
            Assert.Equal(MappingAccessFault.BeyondEndOfFile, Assert.Throws<MappingAccessException>(() => mapping.AddValue(0, 1L)).Fault);
            Assert.Single(FileLocks.Read(path));
        }
        Assert.Empty(FileLocks.Read(path));
    }
}
