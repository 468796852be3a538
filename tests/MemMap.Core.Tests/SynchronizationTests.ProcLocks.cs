using System.Diagnostics;
using System.Runtime.InteropServices;
using MemMap.Interop;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

// FileLocks: what /proc/locks lists, read back for every kind of lock real holders take on one file.
public sealed partial class SynchronizationTests
{
    /// <summary>Starts flock(1) holding a whole-file flock lock on <paramref name="path"/> (shared with -s) until it is killed, or waiting for one.</summary>
    private static Process StartFlock(string mode, string path)
    {
        var start = new ProcessStartInfo("flock") { ArgumentList = { mode, path, "sleep", "60" }, RedirectStandardOutput = true, RedirectStandardError = true };
        return Process.Start(start)!;
    }

    /// <summary>Waits until /proc/locks has <paramref name="count"/> lines with <paramref name="text"/> (a holder's pid, or "->" for waiters).</summary>
    private static void AwaitLockLines(string text, int count)
    {
        var clock = Stopwatch.StartNew();
        while (File.ReadLines("/proc/locks").Count(line => line.Contains(text, StringComparison.Ordinal)) < count)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"/proc/locks never showed {count} lines with '{text}'");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public unsafe void Every_kind_of_lock_on_a_file_is_listed_with_its_holder_and_range_and_waiters_are_not()
    {
        using MemoryMapping mapping = SharedFile(out string path);
        using Process firstReader = StartFlock("-s", path), secondReader = StartFlock("-s", path);
        Process? writer = null;
        int posix = Libc.Open(path, Libc.OpenFlags.ReadWrite | Libc.OpenFlags.CloseOnExec, 0);
        try
        {
            AwaitLockLines($" {firstReader.Id} ", 1);
            AwaitLockLines($" {secondReader.Id} ", 1);
            writer = StartFlock("-x", path); // waits behind the two readers: a "->" line, not a lock
            AwaitLockLines($" {writer.Id} ", 1);
            var request = new Libc.FileLockRequest { Type = Libc.LockType.Write, Start = 100, Length = 0 }; // from byte 100 to the end, however far it grows
            Assert.Equal(0, Libc.Fcntl(posix, (Libc.LockCommand)6 /* F_SETLK: a POSIX record lock of this process */, &request));
            using MappingRangeLock first = mapping.LockRange(0, 10);
            using MappingRangeLock second = mapping.LockRange(20, 10, owner: "another owner");

            FileLock[] expected =
            [
                new(path, FileLockType.Read, FileLockKind.FLOCK, firstReader.Id, 0, null),
                new(path, FileLockType.Read, FileLockKind.FLOCK, secondReader.Id, 0, null),
                new(path, FileLockType.Write, FileLockKind.POSIX, Environment.ProcessId, 100, null),
                new(path, FileLockType.Write, FileLockKind.OFD, Environment.ProcessId, 0, 10),
                new(path, FileLockType.Write, FileLockKind.OFD, Environment.ProcessId, 20, 10),
            ];
            static string Sorted(IEnumerable<FileLock> locks) => string.Join("\n", locks.Select(found => found.ToString()).Order(StringComparer.Ordinal));
            Assert.Equal(Sorted(expected), Sorted(FileLocks.Read(path)));
            Assert.Equal(Sorted(expected), Sorted(mapping.GetFileLocks()));
        }
        finally
        {
            Libc.Close(posix);
            foreach (Process? holder in new[] { firstReader, secondReader, writer })
            {
                holder?.Kill(entireProcessTree: true);
                holder?.WaitForExit();
            }
            writer?.Dispose();
        }
    }

    [Fact]
    public void The_locks_of_a_missing_file_are_an_open_error_and_of_no_path_an_argument_error()
    {
        string path = files.NewPath();
        var missing = Assert.Throws<SystemCallException>(() => FileLocks.Read(path));
        Assert.Equal(("open", "ENOENT"), (missing.SystemCall, missing.ErrnoName));
        Assert.Contains(path, missing.Message);
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => FileLocks.Read(null!)).ParamName); // not an open of NULL
    }

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int FcntlInt(int fd, int command, int argument);

    [Fact]
    public unsafe void A_lease_on_the_file_is_not_a_lock_and_does_not_stop_the_listing()
    {
        // /proc/locks lists leases ("LEASE ACTIVE READ pid dev:inode 0 EOF") among the locks; a reader
        // that took their mode but not their kind would list them, or fail on the unknown kind.
        // The file is this process's own, so it may lease it; a read lease needs it open read-only everywhere.
        string path = files.Create(new byte[Page]);
        const int SetLease = 1024, ReadLease = 0; // F_SETLEASE, F_RDLCK
        int leased = Libc.Open(path, Libc.OpenFlags.ReadOnly | Libc.OpenFlags.CloseOnExec, 0);
        int locked = Libc.Open(path, Libc.OpenFlags.ReadOnly | Libc.OpenFlags.CloseOnExec, 0);
        try
        {
            Assert.True(FcntlInt(leased, SetLease, ReadLease) == 0, $"F_SETLEASE failed: errno {Marshal.GetLastPInvokeError()}");
            Assert.Equal(0, Libc.Stat(path, out Libc.FileStatus status));
            Assert.Contains(File.ReadLines("/proc/locks"), line => line.Contains("LEASE", StringComparison.Ordinal) && line.Contains($":{status.Inode} ", StringComparison.Ordinal));
            var request = new Libc.FileLockRequest { Type = Libc.LockType.Read, Start = 4, Length = 8 };
            Assert.Equal(0, Libc.Fcntl(locked, (Libc.LockCommand)6 /* F_SETLK */, &request));
            FileLock only = Assert.Single(FileLocks.Read(path));
            Assert.Equal((FileLockKind.POSIX, FileLockType.Read, (int?)Environment.ProcessId, 4L, (long?)8), (only.Kind, only.Type, only.ProcessId, only.Offset, only.Count));
        }
        finally
        {
            Libc.Close(locked);
            Libc.Close(leased);
        }
    }
}
