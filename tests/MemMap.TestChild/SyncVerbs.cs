using System.Globalization;
using MemMap;

/// <summary>
/// The synchronization tests' verbs (tests/MemMap.Core.Tests/SynchronizationTests.cs):
///   add path offset times            print "ready", wait for a line, then add 1 to the Int64 at offset of a shared
///                                    file mapping times times (the parent starts all adders at once)
///   claim path offset                compare-and-swap the Int64 there from 0 to this pid; print "won" or "lost"
///   set-after path offset value ms   sleep ms, then write the Int64 there (waking waiters); print "set"
///   hold-lock path offset count      take an exclusive range lock, print "locked", then wait to be killed
///   flip path offset times           write the Int64 there as 0 and -1 alternately, times times
///   watch path offset times          read the Int64 there times times; print how many reads were neither 0 nor -1
///   read-only-locks path             map the file read-only; take a shared lock twice, printing "shared" and how many
///                                    locks /proc/locks lists on the file while it is held; then try an exclusive
///                                    one: print "exclusive", or the refusal's system call, errno and message
/// </summary>
internal static class SyncVerbs
{
    /// <summary>Runs the verb in args[0], or returns null when it is not one of these.</summary>
    internal static int? Run(string[] args)
    {
        if (args[0] == "read-only-locks")
        {
            return ReadOnlyLocks(args[1]);
        }
        if (args[0] is not ("add" or "claim" or "set-after" or "hold-lock" or "flip" or "watch"))
        {
            return null;
        }
        using MemoryMapping mapping = MemoryMapping.MapFile(args[1]);
        long offset = long.Parse(args[2], CultureInfo.InvariantCulture);
        switch (args[0])
        {
            case "add":
                Console.WriteLine("ready");
                Console.In.ReadLine();
                for (int i = int.Parse(args[3], CultureInfo.InvariantCulture); i > 0; i--)
                {
                    mapping.AddValue(offset, 1L);
                }
                break;
            case "claim":
                Console.Write(mapping.CompareExchangeValue(offset, 0L, Environment.ProcessId) ? "won" : "lost");
                break;
            case "set-after":
                Thread.Sleep(int.Parse(args[4], CultureInfo.InvariantCulture));
                mapping.WriteValue(offset, long.Parse(args[3], CultureInfo.InvariantCulture));
                Console.Write("set");
                break;
            case "hold-lock":
                using (mapping.LockRange(offset, long.Parse(args[3], CultureInfo.InvariantCulture)))
                {
                    Console.WriteLine("locked");
                    Console.In.ReadLine(); // the parent kills or stops us first
                }
                break;
            case "flip":
                for (int i = int.Parse(args[3], CultureInfo.InvariantCulture); i > 0; i--)
                {
                    mapping.WriteValue(offset, (i & 1) == 0 ? 0L : -1L);
                }
                break;
            default:
                int torn = 0;
                for (int i = int.Parse(args[3], CultureInfo.InvariantCulture); i > 0; i--)
                {
                    long seen = mapping.ReadValue<long>(offset);
                    torn += seen is 0 or -1 ? 0 : 1;
                }
                Console.Write(torn);
                break;
        }
        return 0;
    }

    private static int ReadOnlyLocks(string path)
    {
        using MemoryMapping mapping = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read });
        for (int i = 0; i < 2; i++)
        {
            using (mapping.LockRange(0, 10, shared: true))
            {
                Console.WriteLine($"shared {FileLocks.Read(path).Count}");
            }
        }
        try
        {
            mapping.LockRange(0, 10).Dispose();
            Console.WriteLine("exclusive");
        }
        catch (SystemCallException refused)
        {
            Console.WriteLine($"{refused.SystemCall} {refused.ErrnoName}: {refused.Message}");
        }
        return 0;
    }
}
