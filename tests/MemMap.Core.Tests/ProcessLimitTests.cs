using MemMap.Tests.Helpers;

namespace MemMap.Tests;

/// <summary>
/// MemMap refuses before the process runs out of what the runtime needs too: memory areas
/// (vm.max_map_count) and file descriptors. Each runs in a real child process, which must stay
/// healthy afterwards (allocate 512 MiB, open files, map again) and exit 0 — not abort with 134.
/// </summary>
public sealed class ProcessLimitTests : IDisposable
{
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Mapping_until_the_map_count_limit_is_refused_by_MemMap_and_the_process_stays_healthy()
    {
        (int exitCode, string output) = ChildProcess.RunChild("exhaust-areas");

        Assert.True(exitCode == 0, $"exit {exitCode}: {output}");
        Assert.Matches(@"refused after \d+: .*vm\.max_map_count is \d+", output);
        Assert.Contains("held by MemMap's mappings", output);
        Assert.Contains("healthy: 536870912 bytes allocated, 0 mappings left", output);
        int refusedAfter = int.Parse(System.Text.RegularExpressions.Regex.Match(output, @"refused after (\d+)").Groups[1].Value);
        int limit = int.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim());
        Assert.InRange(refusedAfter, limit / 2, limit);
        // The reserve is pinned: max(4096, limit/8) areas, and the refusal really left that many free.
        int reserve = Math.Max(4096, limit / 8);
        Assert.Contains($"MemMap keeps the last {reserve} for the .NET runtime", output);
        int free = limit - InUseAtRefusal(output, "areas");
        Assert.True(free >= reserve && free <= reserve + reserve / 4, $"the refusal left {free} of {limit} areas free; the reserve is {reserve}");
    }

    /// <summary>The child's count of <paramref name="unit"/> (areas or descriptors) in use when it was refused.</summary>
    private static int InUseAtRefusal(string output, string unit) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(output, $@"in use at the refusal: (\d+) areas, (\d+) descriptors").Groups[unit == "areas" ? 1 : 2].Value);

    /// <summary>The descriptor reserve is limit/8 kept within [32, 1024]: one limit on each side of the clamp and one inside it.</summary>
    [Theory]
    [InlineData(128, 32)]
    [InlineData(2048, 256)]
    [InlineData(16384, 1024)]
    public void Mapping_until_descriptors_run_out_is_refused_by_MemMap_before_open_fails_with_EMFILE(int limit, int reserve)
    {
        string path = files.CreatePattern(4096);

        (int exitCode, string output) = ChildProcess.Run("prlimit", $"--nofile={limit}:{limit}", "--", ChildProcess.DotnetHost, ChildProcess.ChildAssembly, "exhaust-descriptors", path);

        Assert.True(exitCode == 0, $"exit {exitCode}: {output}");
        Assert.Matches($@"refused after \d+: .*RLIMIT_NOFILE is {limit}", output);
        Assert.Contains($"MemMap keeps the last {reserve} for the .NET runtime", output);
        int free = limit - InUseAtRefusal(output, "descriptors");
        Assert.True(free >= reserve && free <= reserve + 8, $"the refusal left {free} of {limit} descriptors free; the reserve is {reserve}");
        Assert.Contains("healthy", output);
    }
}
