using MemMap.Tests.Helpers;

namespace MemMap.Tests.Reliability;

/// <summary>
/// 10 000 create/remove cycles of each kind (plain, with a protected sub-range, with a hole, shrunk)
/// leave nothing behind: no /proc/self/maps region inside an address range MemMap handed out, none of
/// the file, no new descriptor. Run in a child process, so tests running in parallel here cannot
/// disturb the comparison (TestChild leak-cycles).
/// </summary>
public sealed class LeakTests : IDisposable
{
    private readonly TempFiles files = new();

    public void Dispose() => files.Dispose();

    [Theory]
    [InlineData(MappingKind.SharedFile)]
    [InlineData(MappingKind.PrivateFile)]
    [InlineData(MappingKind.SharedAnonymous)]
    [InlineData(MappingKind.PrivateAnonymous)]
    [InlineData(MappingKind.SharedMemory)]
    public void Ten_thousand_create_and_remove_cycles_leave_no_mapping_and_no_descriptor(MappingKind kind)
    {
        string path = files.CreatePattern(4 * Environment.SystemPageSize);
        string name = "/memmap-leak-" + Guid.NewGuid().ToString("N");

        (int exit, string output) = ChildProcess.RunChild("leak-cycles", kind.ToString(), "10000", kind == MappingKind.SharedMemory ? name : path);
        File.Delete("/dev/shm" + name);

        Assert.True(exit == 0, $"exit {exit}: {output}");
        Assert.Matches($@"10000 cycles of {kind} over \d+ address ranges: 0 leaks, 0 mappings live", output);
    }
}
