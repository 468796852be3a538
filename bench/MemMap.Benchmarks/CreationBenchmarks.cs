using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;

namespace MemMap.Benchmarks;

/// <summary>Creating and removing a mapping of a 4 KiB file: MemMap (open, fstat, mmap) against .NET's MemoryMappedFile.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class CreationBenchmarks
{
    private string path = "";

    [GlobalSetup]
    public void Setup()
    {
        path = Path.Combine(Path.GetTempPath(), $"memmap-bench-create-{Environment.ProcessId}.bin");
        File.WriteAllBytes(path, new byte[4096]);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(path);

    [Benchmark(Baseline = true, Description = "MemoryMappedFile + view accessor")]
    public void DotnetMemoryMappedFile()
    {
        using MemoryMappedFile file = MemoryMappedFile.CreateFromFile(path, FileMode.Open);
        using MemoryMappedViewAccessor view = file.CreateViewAccessor();
    }

    [Benchmark(Description = "MemoryMapping.MapFile + Dispose")]
    public void MemMapMapFile() => MemoryMapping.MapFile(path).Dispose();
}
