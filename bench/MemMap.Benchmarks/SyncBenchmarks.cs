using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MemMap.Interop;

namespace MemMap.Benchmarks;

/// <summary>
/// Synchronization (issue 16): atomic add through the core against Interlocked.Add on a raw pointer
/// into the same mapping; an uncontended range lock + unlock against a .NET named Mutex, and the
/// kernel's own OFD lock + unlock against both; and the
/// wake latency between two processes (a writer stamps the time, then sets the value; the waiter in
/// the other process reads the stamp when its wait returns).
/// </summary>
internal static unsafe class SyncBenchmarks
{
    private const int Adds = 1_000_000;
    private const int Locks = 20_000;
    private const int Wakes = 2_000;

    internal static void Run()
    {
        string path = Path.Combine(Path.GetTempPath(), $"memmap-bench-sync-{Environment.ProcessId}.bin");
        string onePagePath = path + ".page";
        File.WriteAllBytes(path, new byte[16 * 4096]);
        File.WriteAllBytes(onePagePath, new byte[4096]);
        try
        {
            using MemoryMapping anonymous = MemoryMapping.MapAnonymous(new MappingOptions { Length = 4096 });
            using MemoryMapping file = MemoryMapping.MapFile(path);
            // A counter in the file's last page: the file's end can lie anywhere in that page, so every
            // access there asks fstat (issue 15); in a page before it the sentinel probe proves it.
            using MemoryMapping onePage = MemoryMapping.MapFile(onePagePath);
            foreach ((string what, MemoryMapping mapping, double? bar) in new (string, MemoryMapping, double?)[]
            {
                ("anonymous memory", anonymous, 2.0),
                ("shared file mapping (a 64 KiB file, the counter at offset 0)", file, 4.0),
                ("shared file mapping (a one-page file: fstat per add)", onePage, null),
            })
            {
                long* raw = (long*)mapping.Address;
                QuickMode.Compare($"atomic add, {what}", "MemoryMapping.AddValue<long>", () =>
                {
                    for (int i = 0; i < Adds; i++)
                    {
                        mapping.AddValue(0, 1L);
                    }
                }, "Interlocked.Add on a raw pointer", () =>
                {
                    for (int i = 0; i < Adds; i++)
                    {
                        Interlocked.Add(ref *raw, 1L);
                    }
                }, QuickMode.PerOperation(Adds), bar);
            }

            using var mutex = new Mutex(false, $"memmap-bench-{Environment.ProcessId}");
            Action memMapLocks = () =>
            {
                for (int i = 0; i < Locks; i++)
                {
                    file.LockRange(0, 8).Dispose();
                }
            };
            Action mutexLocks = () =>
            {
                for (int i = 0; i < Locks; i++)
                {
                    mutex.WaitOne();
                    mutex.ReleaseMutex();
                }
            };
            // The kernel's own price for the lock the issue asks for (an OFD lock, which its holder's
            // death releases and lslocks shows): the same two fcntl calls on one description, with
            // nothing of MemMap around them. Against the mutex it is the floor of the first row;
            // against MemMap it is what MemMap adds.
            using FileStream description = new(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            int fd = (int)description.SafeFileHandle.DangerousGetHandle();
            Action kernelLocks = () =>
            {
                for (int i = 0; i < Locks; i++)
                {
                    OfdLock(fd, Libc.LockType.Write);
                    OfdLock(fd, Libc.LockType.Unlock);
                }
            };
            QuickMode.Compare("uncontended lock + unlock, shared file mapping", "LockRange(0, 8) + Dispose (F_OFD_SETLK)", memMapLocks,
                "named Mutex WaitOne + ReleaseMutex", mutexLocks, QuickMode.PerOperation(Locks), 1.0);
            QuickMode.Compare("uncontended lock + unlock: the kernel alone", "fcntl(F_OFD_SETLK) + fcntl(F_UNLCK), no MemMap", kernelLocks,
                "named Mutex WaitOne + ReleaseMutex", mutexLocks, QuickMode.PerOperation(Locks), null);
            QuickMode.Compare("uncontended lock + unlock: what MemMap adds to the kernel", "LockRange(0, 8) + Dispose", memMapLocks,
                "fcntl(F_OFD_SETLK) + fcntl(F_UNLCK)", kernelLocks, QuickMode.PerOperation(Locks), null);

            WakeLatency(file, path);
        }
        finally
        {
            File.Delete(path);
            File.Delete(onePagePath);
        }
    }

    /// <summary>Locks or unlocks bytes 0 to 7 through the description <paramref name="fd"/>, as LockRange(0, 8) does.</summary>
    private static void OfdLock(int fd, Libc.LockType type)
    {
        var request = new Libc.FileLockRequest { Type = type, Length = 8 };
        if (Libc.Fcntl(fd, Libc.LockCommand.OfdSetLock, &request) != 0)
        {
            throw new InvalidOperationException($"fcntl(F_OFD_SETLK) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Ping-pong with a child process (this program, --wake-child): offset 0 the value, 8 the writer's timestamp, 16 the child's answer.</summary>
    private static void WakeLatency(MemoryMapping mapping, string path)
    {
        mapping.WriteValue(0, 0L);
        mapping.WriteValue(16, 0L);
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        foreach (string argument in (Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? [typeof(SyncBenchmarks).Assembly.Location] : Array.Empty<string>()).Concat(["--wake-child", path]))
        {
            start.ArgumentList.Add(argument);
        }
        using Process child = Process.Start(start)!;
        for (long round = 1; round <= Wakes; round++)
        {
            mapping.WriteValue(8, Stopwatch.GetTimestamp());
            mapping.WriteValue(0, round);
            mapping.WaitValue(16, round, timeout: TimeSpan.FromSeconds(30));
        }
        double[] latencies = [.. child.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).Order()];
        child.WaitForExit();
        string row = string.Create(CultureInfo.InvariantCulture,
            $"| wake latency between two processes (core: WriteValue → WaitValue returns), {latencies.Length} wakes | p50 {latencies[latencies.Length / 2]:F1} µs, p99 {latencies[latencies.Length * 99 / 100]:F1} µs, max {latencies[^1]:F1} µs | — | — | — | — | — |");
        QuickMode.AddRow(row);
    }

    /// <summary>The child of <see cref="WakeLatency"/>: waits for each round, records how long after the stamp it woke, answers; prints the latencies in µs.</summary>
    internal static int WakeChild(string path)
    {
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        var latencies = new List<double>(Wakes);
        for (long round = 1; round <= Wakes; round++)
        {
            mapping.WaitValue(0, round, timeout: TimeSpan.FromSeconds(30));
            latencies.Add(Stopwatch.GetElapsedTime(mapping.ReadValue<long>(8)).TotalMicroseconds);
            mapping.WriteValue(16, round);
        }
        Console.Write(string.Join(' ', latencies.Select(l => l.ToString("F2", CultureInfo.InvariantCulture))));
        return 0;
    }
}
