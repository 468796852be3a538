using System.Diagnostics;
using System.Globalization;
using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>/proc/PID/maps and smaps as objects: MemMap's own mappings carry their id, and another process's map agrees with pmap.</summary>
public sealed class ProcessMapTests : IDisposable
{
    private readonly TempFiles files = new();
    private static readonly int Page = Environment.SystemPageSize;

    public void Dispose() => files.Dispose();

    private static ProcessMemoryRegion[] RegionsOf(MemoryMapping mapping, bool detailed = false) =>
        ProcessMemoryMap.Read(detailed: detailed).Where(region => region.MappingId == mapping.Id).ToArray();

    [Fact]
    public void Own_mappings_carry_their_id_and_show_protection_changes()
    {
        string path = files.CreatePattern(2 * Page);
        using MemoryMapping mapping = MemoryMapping.MapFile(path);
        mapping.Protect(MemoryProtection.None);

        ProcessMemoryRegion region = Assert.Single(RegionsOf(mapping));
        Assert.Equal("---s", region.Permissions);
        Assert.Equal((ulong)mapping.Address, region.Start);
        Assert.Equal((ulong)(2 * Page), region.Size);
        Assert.Equal(path, region.Path);
        Assert.Equal(Environment.ProcessId, region.ProcessId);

        mapping.Protect(MemoryProtection.ReadWrite);
        Assert.Equal("rw-s", Assert.Single(RegionsOf(mapping)).Permissions);

        mapping.Protect(MemoryProtection.Read, Page, Page);
        Assert.Equal(["rw-s", "r--s"], RegionsOf(mapping).Select(r => r.Permissions));

        mapping.Dispose();
        Assert.Empty(RegionsOf(mapping));
    }

    [Fact]
    public void Detailed_regions_count_resident_and_dirty_bytes_from_smaps()
    {
        // Shared anonymous memory is its own object: unlike private memory, the kernel never merges
        // it with a neighbouring area, whose pages would then count too.
        using MemoryMapping mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = 8 * Page });
        mapping.Write(0, TempFiles.Pattern(2 * Page));
        mapping.Write(7 * Page, "x"u8);

        ProcessMemoryRegion region = Assert.Single(RegionsOf(mapping, detailed: true));

        Assert.Equal(3L * Page, region.Rss);
        Assert.Equal(3L * Page, region.PrivateDirty);
        Assert.Equal(3L * Page, region.Pss);
        Assert.Equal(0, region.SharedClean);
        Assert.Equal(0, region.Swap);
        Assert.Equal(0, region.Locked);
        Assert.Null(Assert.Single(RegionsOf(mapping)).Rss);
    }

    [Fact]
    public void Another_process_map_agrees_with_pmap()
    {
        using Process sleeper = Process.Start(new ProcessStartInfo("sleep", "30"))!;
        try
        {
            WaitUntilSleeping(sleeper.Id);
            HashSet<(ulong, ulong)> before = Pmap(sleeper.Id);
            IReadOnlyList<ProcessMemoryRegion> regions = ProcessMemoryMap.Read(sleeper.Id);
            HashSet<(ulong, ulong)> after = Pmap(sleeper.Id);

            Assert.Equal(before, after);
            Assert.Equal(before, regions.Select(region => (region.Start, region.Size / 1024)).ToHashSet());
            Assert.Contains(regions, region => region.Path.EndsWith("/sleep", StringComparison.Ordinal));
            Assert.All(regions, region => Assert.Null(region.MappingId));
            Assert.All(regions, region => Assert.Equal(sleeper.Id, region.ProcessId));
            Assert.All(ProcessMemoryMap.Read(sleeper.Id, detailed: true), region => Assert.NotNull(region.Rss));
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [Fact]
    public void A_process_that_does_not_exist_is_ENOENT()
    {
        var error = Assert.Throws<SystemCallException>(() => ProcessMemoryMap.Read(int.MaxValue));
        Assert.Equal("ENOENT", error.ErrnoName);
        Assert.Contains($"No process has id {int.MaxValue}", error.Message);
    }

    [Fact]
    public void Another_users_process_is_EACCES()
    {
        if (Environment.UserName == "root")
        {
            // root may read every map, so the refusal runs in a child process as 'nobody', reading init's.
            (int exit, string output) = ChildProcess.RunChildAs("65534", "maps", "1");
            Assert.Equal(1, exit);
            Assert.Contains("SystemCallException: open failed for /proc/1/maps: EACCES", output);
            Assert.Contains("right to trace it", output);
        }
        else
        {
            var error = Assert.Throws<SystemCallException>(() => ProcessMemoryMap.Read(1));
            Assert.Equal("EACCES", error.ErrnoName);
        }
    }

    /// <summary>Waits until the child sits in its sleep (state S), so its loader has finished mapping.</summary>
    private static void WaitUntilSleeping(int pid)
    {
        for (int i = 0; i < 500; i++)
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('S'))
            {
                return;
            }
            Thread.Sleep(10);
        }
        throw new TimeoutException($"Process {pid} did not start sleeping.");
    }

    /// <summary>pmap -x's ranges: start address and size in KiB.</summary>
    private static HashSet<(ulong, ulong)> Pmap(int pid)
    {
        (int exit, string output) = ChildProcess.Run("pmap", "-x", pid.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, exit);
        var ranges = new HashSet<(ulong, ulong)>();
        foreach (string line in output.Split('\n').Skip(2))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || !ulong.TryParse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start))
            {
                break; // the "----" line before the totals
            }
            ranges.Add((start, ulong.Parse(fields[1], CultureInfo.InvariantCulture)));
        }
        return ranges;
    }
}
