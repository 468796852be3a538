using System.Globalization;
using MemMap;

/// <summary>
/// The reliability tests' verbs (tests/MemMap.Core.Tests/Reliability):
///   sync-records path batches seed write batches of 64-byte records (sequence number, checksum) through a shared
///                                  mapping, each batch 2 MiB after the last, syncing each and printing "synced N B"
///   leak-cycles kind cycles path   create and remove mappings of kind (SharedFile, PrivateFile, SharedAnonymous,
///                                  PrivateAnonymous, SharedMemory: path is then the object's name) cycles times;
///                                  print what /proc/self/maps and /proc/self/fd kept
///   emfile path [cold]             open files until EMFILE, then try to map path and anonymous memory: print the
///                                  outcomes, close, map again ("cold": MemMap has not read /proc before the files run out)
/// </summary>
internal static class ReliabilityVerbs
{
    internal const int RecordLength = 64;

    /// <summary>Runs the verb in args[0], or returns null when it is not one of these.</summary>
    internal static int? Run(string[] args) => args[0] switch
    {
        "sync-records" => SyncRecords(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture)),
        "leak-cycles" => LeakCycles(Enum.Parse<MappingKind>(args[1]), int.Parse(args[2], CultureInfo.InvariantCulture), args[3]),
        "emfile" => Emfile(args[1], cold: args.Length > 2 && args[2] == "cold"),
        _ => null,
    };

    /// <summary>The checksum a record carries: anything else in the file is a torn or foreign write.</summary>
    internal static ulong Checksum(long sequence, int seed) => (ulong)sequence * 0x9E3779B97F4A7C15UL ^ (ulong)seed;

    /// <summary>Where each sync batch starts: 2 MiB apart, so no page-cache folio (at most 2 MiB, aligned) holds two batches.</summary>
    internal const long BatchStride = 2 << 20;

    /// <summary>
    /// Writes records in batches of 1 to 16, batch b from offset b * <see cref="BatchStride"/>, and syncs each
    /// batch (its range, or now and then the whole mapping); prints "synced last-record batch" after each Sync.
    /// </summary>
    private static int SyncRecords(string path, int batches, int seed)
    {
        var random = new Random(seed);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        byte[] record = new byte[RecordLength];
        int next = 0;
        Console.WriteLine("ready");
        for (int batch = 0; batch < batches; batch++)
        {
            int count = random.Next(1, 17);
            for (int j = 0; j < count; j++, next++)
            {
                BitConverter.TryWriteBytes(record.AsSpan(0, 8), (long)next + 1);
                BitConverter.TryWriteBytes(record.AsSpan(8, 8), Checksum(next + 1, seed));
                record.AsSpan(16).Fill((byte)(next % 251));
                mapping.Write(batch * BatchStride + (long)j * RecordLength, record);
            }
            if (random.Next(4) == 0)
            {
                mapping.Sync();
            }
            else
            {
                mapping.Sync(batch * BatchStride, (long)count * RecordLength);
            }
            Console.WriteLine($"synced {next - 1} {batch}");
        }
        Console.WriteLine("done");
        return 0;
    }

    /// <summary>
    /// Creates and removes mappings; then nothing MemMap mapped may be left. The runtime maps and
    /// unmaps memory of its own meanwhile (GC regions, JIT code), so a leak is: a /proc/self/maps
    /// region lying wholly inside an address range MemMap handed out, any region of the file, or a
    /// descriptor that was not open before (other than the runtime's own: its assemblies, pipes).
    /// </summary>
    private static int LeakCycles(MappingKind kind, int cycles, string path)
    {
        int page = Environment.SystemPageSize;
        var ranges = new HashSet<(ulong Start, ulong End)>();
        void Cycle(int i)
        {
            var options = new MappingOptions { Length = 4 * page, Private = kind is MappingKind.PrivateFile or MappingKind.PrivateAnonymous };
            using MemoryMapping mapping = kind switch
            {
                MappingKind.SharedFile or MappingKind.PrivateFile => MemoryMapping.MapFile(path, options),
                MappingKind.SharedMemory => MemoryMapping.MapSharedMemory(path, options), // path: the object's name
                _ => MemoryMapping.MapAnonymous(options),
            };
            ranges.Add(((ulong)mapping.Address, (ulong)mapping.Address + (ulong)mapping.MappedLength));
            mapping.Write(i % (4 * page), [1]);
            switch (i % 4)
            {
                case 1:
                    mapping.Protect(MemoryProtection.Read, page, page); // splits the kernel area in three
                    break;
                case 2:
                    mapping.Unmap(page, page); // leaves a hole
                    break;
                case 3 when kind != MappingKind.SharedAnonymous:
                    mapping.Resize(3 * page); // shrinks (file mappings cannot grow past the 4-page file)
                    break;
            }
        }
        for (int i = 0; i < 64; i++)
        {
            Cycle(i); // warm up: JIT, thread pool, first /proc readings
        }
        HashSet<string> fdsBefore = Descriptors();
        for (int i = 0; i < cycles; i++)
        {
            Cycle(i);
        }
        int leaks = 0;
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            string[] bounds = line.Split(' ', 2)[0].Split('-');
            ulong start = ulong.Parse(bounds[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), end = ulong.Parse(bounds[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            // What MemMap maps shows no path (private anonymous), /dev/zero (deleted) (shared anonymous), or the file's
            // path; the runtime may later map its own named memory (such as /memfd:doublemapper) where MemMap's was.
            string ours = kind == MappingKind.SharedMemory ? "/dev/shm" + path : path;
            string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            string name = fields.Length > 5 ? fields[5].Trim() : "";
            bool memMapLike = name.Length == 0 || name == "/dev/zero (deleted)" || name == ours;
            if (name == ours || (memMapLike && ranges.Any(range => range.Start <= start && end <= range.End)))
            {
                Console.WriteLine($"maps leaked: {line}");
                leaks++;
            }
        }
        // The runtime opens descriptors of its own now and then (an assembly it loads late, a pipe):
        // MemMap opens only mapped files and what it reads under /proc.
        foreach (string fd in Descriptors().Except(fdsBefore).Where(fd => !fd.Contains(" -> " + RuntimeFolder, StringComparison.Ordinal) && !fd.Contains(" -> pipe:", StringComparison.Ordinal)))
        {
            Console.WriteLine($"fd leaked: {fd}");
            leaks++;
        }
        Console.WriteLine($"{cycles} cycles of {kind} over {ranges.Count} address ranges: {leaks} leaks, {MappingRegistry.Live.Count} mappings live");
        return 0;
    }

    private static readonly string RuntimeFolder = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    /// <summary>Open descriptors as "number -> target".</summary>
    private static HashSet<string> Descriptors()
    {
        var fds = new HashSet<string>();
        foreach (string fd in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                fds.Add($"{Path.GetFileName(fd)} -> {new FileInfo(fd).LinkTarget}");
            }
            catch (IOException)
            {
                // The descriptor of the listing itself, closed by now.
            }
        }
        return fds;
    }

    private static int Emfile(string path, bool cold)
    {
        // Load what the runtime needs (assemblies, ICU for messages) while descriptors remain: its needs, not MemMap's.
        if (cold)
        {
            _ = new System.Collections.Concurrent.ConcurrentDictionary<int, int>().TryAdd(1, 1);
            _ = new ReaderWriterLockSlim();
            _ = File.Exists("/proc/self/status") && Directory.EnumerateFileSystemEntries("/proc/self").Any();
        }
        else
        {
            MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read }).Dispose();
            MemoryMapping.MapAnonymous(new MappingOptions { Length = 1 << 20 }).Dispose();
        }
        Console.WriteLine(new IOException("warm-up").Message.ToUpper(CultureInfo.CurrentCulture).Length + Enumerable.Range(0, 2).LongCount() > 0 ? "warmed up" : "");
        var open = new List<FileStream>();
        try
        {
            while (true)
            {
                open.Add(new FileStream(path, FileMode.Open, FileAccess.Read));
            }
        }
        catch (IOException full)
        {
            Console.WriteLine($"open refused after {open.Count}: {full.Message}");
        }
        try
        {
            MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read }).Dispose();
            Console.WriteLine("mapped with no descriptor left?");
        }
        catch (Exception refused)
        {
            Console.WriteLine($"map refused: {refused.GetType().Name}: {refused.Message}");
        }
        try
        {
            using MemoryMapping anonymous = MemoryMapping.MapAnonymous(new MappingOptions { Length = 1 << 20 });
            anonymous.Write(0, [1]);
            Console.WriteLine("anonymous memory mapped with no descriptor left");
        }
        catch (Exception refused)
        {
            Console.WriteLine($"anonymous refused: {refused.GetType().Name}: {refused.Message}");
        }
        foreach (FileStream stream in open)
        {
            stream.Dispose();
        }
        using (MemoryMapping again = MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read }))
        {
            Console.WriteLine($"healthy: mapped {again.Length} bytes after closing {open.Count} files");
        }
        return 0;
    }
}
