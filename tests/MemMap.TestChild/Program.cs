using System.Globalization;
using System.Text;
using MemMap;

// Verbs, one per experiment a test needs a second process for:
//   read <path> <offset> <count>          map shared, print the bytes as UTF-8
//   write-sync-wait <path> <offset> <text> map shared, write, msync, print "synced", wait to be killed
//   map <path> <protection> [private]     try to map; print "mapped" or the exception's type and message
//   shm-read <name> <count>               map a POSIX shared-memory object read-only, print its first bytes as UTF-8
//   shm-write <name> <offset> <text>      map it shared, write, print "written"
//   maps <pid>                            read that process's memory map; print how many ranges it has
//   exhaust-areas                         map pages until MemMap refuses, then allocate 512 MiB and clean up
//   exhaust-descriptors <path>            map <path> until MemMap refuses, then open files, allocate and clean up
//   lock <bytes>                          print "ready", wait for a line (the parent lowers our limits), then map
//                                         private anonymous memory and lock it; print "locked" or the exception
//   exhaust-address-space                 map 64 MiB pieces until MemMap refuses (under prlimit --as), then as above
//   map-locked <bytes>                    map anonymous memory Locked (under prlimit --memlock); "mapped" or the error
//   sigbus-outside-guard <path>           map <path> (4 pages), truncate it to 1 page; print the guarded read's error,
//                                         then read the lost page directly, outside MemMap: the runtime's SIGBUS
//   lock-process current|future [onfault]  print VmLck, lock the whole process (mlockall), print VmLck, allocate
//                                         64 MiB and start a thread, print VmLck, unlock, print VmLck; or print the
//                                         refusal, then allocate and start a thread to show the process is healthy
//   and the reliability verbs in ReliabilityVerbs.cs, the synchronization verbs in SyncVerbs.cs,
//   the process-limit verbs in LimitVerbs.cs
try
{
    switch (args[0])
    {
        case "read":
            using (MemoryMapping mapping = MemoryMapping.MapFile(args[1], new MappingOptions { Protection = MemoryProtection.Read }))
            {
                Console.Write(Encoding.UTF8.GetString(mapping.Read(long.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture))));
            }
            return 0;
        case "write-sync-wait":
            MemoryMapping shared = MemoryMapping.MapFile(args[1]);
            shared.Write(long.Parse(args[2], CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes(args[3]));
            shared.Sync();
            Console.WriteLine("synced");
            Console.In.ReadLine(); // The parent kills us before this returns.
            return 0;
        case "map":
            var options = new MappingOptions { Protection = Enum.Parse<MemoryProtection>(args[2]), Private = args.Length > 3 && args[3] == "private" };
            using (MemoryMapping.MapFile(args[1], options))
            {
                Console.Write("mapped");
            }
            return 0;
        case "write-private":
            using (MemoryMapping mapping = MemoryMapping.MapFile(args[1], new MappingOptions { Private = true }))
            {
                mapping.Write(0, Encoding.UTF8.GetBytes(args[2]));
                Console.Write(Encoding.UTF8.GetString(mapping.Read(0, Encoding.UTF8.GetByteCount(args[2]))));
            }
            return 0;
        case "shm-read":
            using (MemoryMapping memory = MemoryMapping.MapSharedMemory(args[1], new MappingOptions { Protection = MemoryProtection.Read }))
            {
                Console.Write(Encoding.UTF8.GetString(memory.Read(0, int.Parse(args[2], CultureInfo.InvariantCulture))));
            }
            return 0;
        case "shm-write":
            using (MemoryMapping memory = MemoryMapping.MapSharedMemory(args[1]))
            {
                memory.Write(long.Parse(args[2], CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes(args[3]));
                Console.Write("written");
            }
            return 0;
        case "maps":
            Console.Write(ProcessMemoryMap.Read(int.Parse(args[1], CultureInfo.InvariantCulture)).Count);
            return 0;
        case "exhaust-areas":
            return Exhaust(() =>
            {
                var page = MemoryMapping.MapAnonymous(new MappingOptions { Length = Environment.SystemPageSize, Private = true });
                page.Protect(page.Id % 2 == 0 ? MemoryProtection.Read : MemoryProtection.ReadWrite); // neighbours never merge
                return page;
            });
        case "exhaust-descriptors":
            return Exhaust(() => MemoryMapping.MapFile(args[1], new MappingOptions { Protection = MemoryProtection.Read }));
        case "lock":
            Console.WriteLine("ready");
            Console.In.ReadLine();
            using (MemoryMapping memory = MemoryMapping.MapAnonymous(new MappingOptions { Length = long.Parse(args[1], CultureInfo.InvariantCulture), Private = true }))
            {
                memory.Lock();
                Console.Write("locked");
            }
            return 0;
        case "exhaust-address-space":
            return Exhaust(() => MemoryMapping.MapAnonymous(new MappingOptions { Length = 64 << 20, Private = true, NoReserve = true }));
        case "map-locked":
            using (MemoryMapping.MapAnonymous(new MappingOptions { Length = long.Parse(args[1], CultureInfo.InvariantCulture), Private = true, Locked = true }))
            {
                Console.Write("mapped");
            }
            return 0;
        case "sigbus-outside-guard":
            MemoryMapping truncated = MemoryMapping.MapFile(args[1]);
            new FileInfo(args[1]).Open(FileMode.Open).SetLength(1);
            try
            {
                truncated.Read(2 * Environment.SystemPageSize, 1);
            }
            catch (MappingAccessException guarded)
            {
                Console.WriteLine($"guarded: {guarded.Fault}");
            }
            Console.Out.Flush();
            Console.WriteLine(System.Runtime.InteropServices.Marshal.ReadByte(truncated.Address, 2 * Environment.SystemPageSize)); // unguarded: must die as it would without MemMap
            return 0;
        case "lock-process":
            Console.WriteLine($"before {ProcessMemoryLock.LockedBytes}");
            try
            {
                ProcessMemoryLock.Lock(future: args[1] == "future", onFault: args.Length > 2 && args[2] == "onfault");
                Console.WriteLine($"locked {ProcessMemoryLock.LockedBytes}");
                Grow();
                Console.WriteLine($"grown {ProcessMemoryLock.LockedBytes}");
                ProcessMemoryLock.Unlock();
                Console.WriteLine($"unlocked {ProcessMemoryLock.LockedBytes}");
            }
            catch (ProcessLimitException refused)
            {
                Console.WriteLine($"refused: {refused.Message}");
                Grow();
                Console.WriteLine($"healthy {ProcessMemoryLock.LockedBytes}");
            }
            return 0;
        default:
            if ((ReliabilityVerbs.Run(args) ?? SyncVerbs.Run(args) ?? LimitVerbs.Run(args)) is int code)
            {
                return code;
            }
            Console.Error.Write($"unknown verb {args[0]}");
            return 2;
    }
}
catch (Exception error) when (error is MemoryMappingException or ArgumentException)
{
    Console.Write($"{error.GetType().Name}: {error.Message}");
    return 1;
}

// Maps until MemMap refuses, then shows the process is healthy: 512 MiB of managed memory, new
// files and mappings, and every mapping removed. Prints "refused after N: <message>" and "healthy".
static int Exhaust(Func<MemoryMapping> map)
{
    var mappings = new List<MemoryMapping>();
    // Warm up what the refusal runs (the first exception, the count below), so that what it maps or opens is in use before.
    _ = InUse();
    try
    {
        throw new ProcessLimitException("warm-up", 0, 0, 0, "warm-up");
    }
    catch (ProcessLimitException warmUp)
    {
        _ = warmUp.Message + warmUp.StackTrace;
    }
    try
    {
        while (true)
        {
            mappings.Add(map());
        }
    }
    catch (ProcessLimitException refused)
    {
        string inUse = InUse(); // what the refusal left free, counted by the kernel's own lists (the reserve the tests pin)
        Console.WriteLine($"refused after {mappings.Count}: {refused.Message}");
        Console.WriteLine($"in use at the refusal: {inUse}");
    }
    byte[][] blocks = Enumerable.Range(0, 64).Select(_ => new byte[8 << 20]).ToArray();
    foreach (byte[] block in blocks)
    {
        Array.Fill(block, (byte)1); // touch every page
    }
    for (int i = 0; i < 16; i++)
    {
        File.WriteAllText(Path.Combine(Path.GetTempPath(), $"memmap-exhaust-{Environment.ProcessId}-{i}"), "file");
        File.Delete(Path.Combine(Path.GetTempPath(), $"memmap-exhaust-{Environment.ProcessId}-{i}"));
    }
    foreach (MemoryMapping mapping in mappings)
    {
        mapping.Dispose();
    }
    using (MemoryMapping after = MemoryMapping.MapAnonymous(new MappingOptions { Length = 1 << 20 }))
    {
        after.Write(0, [1, 2, 3]);
    }
    Console.WriteLine($"healthy: {blocks.Sum(block => (long)block.Length)} bytes allocated, {MappingRegistry.Live.Count} mappings left");
    return 0;
}

// What the runtime does as a session goes on: more managed memory (every page touched) and a new thread.
static void Grow()
{
    byte[][] blocks = Enumerable.Range(0, 8).Select(_ => new byte[8 << 20]).ToArray();
    foreach (byte[] block in blocks)
    {
        Array.Fill(block, (byte)1);
    }
    var thread = new Thread(() => GC.KeepAlive(blocks));
    thread.Start();
    thread.Join();
}

/// <summary>Memory areas and descriptors in use ("N areas, N descriptors"); the descriptor listing's own descriptor is not counted.</summary>
static string InUse() =>
    $"{File.ReadAllLines("/proc/self/maps").Length} areas, {Directory.GetFileSystemEntries("/proc/self/fd").Length - 1} descriptors";
