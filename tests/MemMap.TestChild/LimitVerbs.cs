using MemMap;

/// <summary>
/// The process-limit tests' verbs that reach the map-count limit through MemMap's own page changes
/// (tests/MemMap.Core.Tests/ProcessLimitTests.cs):
///   protect-to-area-limit   map 64-page mappings and give every odd page of each its own protection, one
///                           partial protect at a time (each splits off 2 kernel areas), until MemMap refuses;
///                           print the refusal, what was in use then, and the sum of the mappings' own runs
///                           ("round 1: ..."); remove them all and do it again ("round 2: ..."); map pages until even
///                           one more area is refused before each of these; then, at the limit, try on the first mapping (every page its own area): a protect
///                           from offset 0 with a count, one from an offset to the end, a partial unmap and a
///                           growth, a lock and a flag advice of part of it (each must be refused), advice that sets
///                           no area flag on part of it, a lock of all of it and a protect of the whole mapping (which
///                           need no area: they must be done);
///                           print "probe NAME: refused: MESSAGE" or "probe NAME: done";
///                           then remove every mapping and show the process is healthy.
///   give-back-descriptors <path>  (under prlimit --nofile) map <path> read-only until MemMap refuses; print how
///                           many were mapped and how many descriptors the refusal says MemMap's mappings hold
///                           ("round 1: ..."); remove them, map and remove 8 pieces of anonymous memory, and do it
///                           again ("round 2: ...").
/// </summary>
internal static class LimitVerbs
{
    private const int Pages = 64;

    /// <summary>Runs the verb in args[0], or returns null when it is not one of these.</summary>
    internal static int? Run(string[] args)
    {
        if (args[0] == "give-back-descriptors")
        {
            return GiveBackDescriptors(args[1]);
        }
        if (args[0] != "protect-to-area-limit")
        {
            return null;
        }
        int page = Environment.SystemPageSize;
        // Warm up what the refusal runs (the first exception, the count below), so that what it maps is in use before, as Program.cs's Exhaust does.
        _ = InUse();
        try
        {
            throw new ProcessLimitException("warm-up", 0, 0, 0, "warm-up");
        }
        catch (ProcessLimitException warmUp)
        {
            _ = warmUp.Message + warmUp.StackTrace;
        }
        // Twice: the second round shows that removing the first round's mappings gave their areas back to MemMap's count.
        List<MemoryMapping> mappings = ProtectToLimit(page, round: 1);
        foreach (MemoryMapping mapping in mappings)
        {
            mapping.Dispose();
        }
        mappings = ProtectToLimit(page, round: 2);
        MemoryMapping first = mappings[0];
        Probe(mappings, "protect from 0 with a count", () => first.Protect(MemoryProtection.Read, 0, page));
        Probe(mappings, "protect from an offset to the end", () => first.Protect(MemoryProtection.Read, 2L * page));
        Probe(mappings, "unmap a page", () => first.Unmap(2L * page, page));
        Probe(mappings, "grow", () => first.Resize((Pages + 1) * (long)page));
        Probe(mappings, "lock part", () => first.Lock(0, page));
        Probe(mappings, "advise Random for part", () => first.Advise(MappingAdvice.Random, 2L * page, page));
        Probe(mappings, "advise DontNeed for part", () => first.Advise(MappingAdvice.DontNeed, 2L * page, page));
        Probe(mappings, "lock the whole mapping", () =>
        {
            first.Lock();
            first.Unlock();
        });
        Probe(mappings, "protect the whole mapping", () => first.Protect(MemoryProtection.ReadWrite));
        byte[][] blocks = Enumerable.Range(0, 64).Select(_ => new byte[8 << 20]).ToArray();
        foreach (byte[] block in blocks)
        {
            Array.Fill(block, (byte)1); // touch every page
        }
        foreach (MemoryMapping mapping in mappings)
        {
            mapping.Dispose();
        }
        Console.WriteLine($"healthy: {blocks.Sum(block => (long)block.Length)} bytes allocated, {MappingRegistry.Live.Count} mappings left");
        return 0;
    }

    /// <summary>
    /// Twice: the second round shows that removing the first round's file mappings gave each its descriptor back
    /// to MemMap's count, and that removing anonymous memory, which holds no descriptor, gave none.
    /// </summary>
    private static int GiveBackDescriptors(string path)
    {
        foreach (int round in new[] { 1, 2 })
        {
            var mappings = new List<MemoryMapping>();
            try
            {
                while (true)
                {
                    mappings.Add(MemoryMapping.MapFile(path, new MappingOptions { Protection = MemoryProtection.Read }));
                }
            }
            catch (ProcessLimitException refused)
            {
                Console.WriteLine($"round {round}: refused after {mappings.Count} file mappings, {refused.OwnedByMemMap} descriptors held by MemMap's mappings: {refused.Message}");
            }
            foreach (MemoryMapping mapping in mappings)
            {
                mapping.Dispose();
            }
            for (int i = 0; i < 8; i++)
            {
                MemoryMapping.MapAnonymous(new MappingOptions { Length = Environment.SystemPageSize }).Dispose();
            }
        }
        Console.WriteLine($"done: {MappingRegistry.Live.Count} mappings left");
        return 0;
    }

    private static List<MemoryMapping> ProtectToLimit(int page, int round)
    {
        var mappings = new List<MemoryMapping>();
        try
        {
            while (true)
            {
                MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Pages * page, Private = true, NoReserve = true });
                mappings.Add(mapping);
                for (int odd = 1; odd < Pages; odd += 2)
                {
                    mapping.Protect(MemoryProtection.Read, odd * (long)page, page); // first page read-write, last read-only: neighbours never merge
                }
            }
        }
        catch (ProcessLimitException refused)
        {
            string inUse = InUse();
            Console.WriteLine($"round {round}: refused after {mappings.Count} mappings: {refused.Message}");
            Console.WriteLine($"round {round}: in use at the refusal: {inUse}");
            Console.WriteLine($"round {round}: runs of the mappings: {mappings.Sum(mapping => mapping.ProtectionRegions.Count)}");
        }
        return mappings;
    }

    /// <summary>Maps pages until even one more area is refused (a re-reading may have found the runtime gave some back), then tries <paramref name="operation"/>.</summary>
    private static void Probe(List<MemoryMapping> mappings, string name, Action operation)
    {
        try
        {
            while (true)
            {
                mappings.Add(MemoryMapping.MapAnonymous(new MappingOptions { Length = Environment.SystemPageSize, Private = true }));
            }
        }
        catch (ProcessLimitException)
        {
            // At the limit now.
        }
        try
        {
            operation();
            Console.WriteLine($"probe {name}: done");
        }
        catch (ProcessLimitException refused)
        {
            Console.WriteLine($"probe {name}: refused: {refused.Message}");
        }
    }

    /// <summary>Memory areas and descriptors in use ("N areas, N descriptors"), as Program.cs counts them.</summary>
    private static string InUse() =>
        $"{File.ReadAllLines("/proc/self/maps").Length} areas, {Directory.GetFileSystemEntries("/proc/self/fd").Length - 1} descriptors";
}
