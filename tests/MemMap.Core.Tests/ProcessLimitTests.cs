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
    }

    [Fact]
    public void Mapping_until_descriptors_run_out_is_refused_by_MemMap_before_open_fails_with_EMFILE()
    {
        string path = files.CreatePattern(4096);

        (int exitCode, string output) = ChildProcess.Run("prlimit", "--nofile=256:256", "--", ChildProcess.DotnetHost, ChildProcess.ChildAssembly, "exhaust-descriptors", path);

        Assert.True(exitCode == 0, $"exit {exitCode}: {output}");
        Assert.Matches(@"refused after \d+: .*RLIMIT_NOFILE is 256", output);
        Assert.Contains("healthy", output);
    }
}
