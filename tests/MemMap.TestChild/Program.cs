using System.Globalization;
using System.Text;
using MemMap;

// Verbs, one per experiment a test needs a second process for:
//   read <path> <offset> <count>          map shared, print the bytes as UTF-8
//   write-sync-wait <path> <offset> <text> map shared, write, msync, print "synced", wait to be killed
//   map <path> <protection> [private]     try to map; print "mapped" or the exception's type and message
//   lock <bytes>                          map private anonymous memory and lock it; print "locked" or the exception
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
        case "lock":
            using (MemoryMapping memory = MemoryMapping.MapAnonymous(new MappingOptions { Length = long.Parse(args[1], CultureInfo.InvariantCulture), Private = true }))
            {
                memory.Lock();
                Console.Write("locked");
            }
            return 0;
        default:
            Console.Error.Write($"unknown verb {args[0]}");
            return 2;
    }
}
catch (MemoryMappingException error)
{
    Console.Write($"{error.GetType().Name}: {error.Message}");
    return 1;
}
