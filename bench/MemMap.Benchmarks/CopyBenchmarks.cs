using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MemMap.Benchmarks;

/// <summary>
/// Bulk reads and writes of a 64 MiB shared file mapping. The baseline is a plain memcpy from the
/// same mapped pages (what unchecked pointer code would do, and what can SIGBUS); MemMap copies
/// through the kernel (process_vm_readv/writev) so that it cannot fault. .NET's own
/// MemoryMappedViewAccessor is measured beside them.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class CopyBenchmarks
{
    private const int Size = 64 << 20;
    private string path = "";
    private MemoryMapping mapping = null!;
    private MemoryMappedFile dotnetFile = null!;
    private MemoryMappedViewAccessor dotnetView = null!;
    private byte[] buffer = [];

    [GlobalSetup]
    public void Setup()
    {
        path = Path.Combine(Path.GetTempPath(), $"memmap-bench-{Environment.ProcessId}.bin");
        File.WriteAllBytes(path, Enumerable.Range(0, Size).Select(i => (byte)i).ToArray());
        mapping = MemoryMapping.MapFile(path, new MappingOptions { Populate = true });
        dotnetFile = MemoryMappedFile.CreateFromFile(path, FileMode.Open);
        dotnetView = dotnetFile.CreateViewAccessor();
        buffer = new byte[Size];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        dotnetView.Dispose();
        dotnetFile.Dispose();
        mapping.Dispose();
        File.Delete(path);
    }

    [Benchmark(Baseline = true, Description = "memcpy from the mapping (unchecked)")]
    [BenchmarkCategory("Read")]
    public void ReadMemcpy() => new ReadOnlySpan<byte>((void*)mapping.Address, Size).CopyTo(buffer);

    [Benchmark(Description = "MemoryMapping.Read (kernel copy)")]
    [BenchmarkCategory("Read")]
    public void ReadMemMap() => mapping.Read(0, buffer);

    [Benchmark(Description = "MemoryMappedViewAccessor.ReadArray")]
    [BenchmarkCategory("Read")]
    public void ReadViewAccessor() => dotnetView.ReadArray(0, buffer, 0, Size);

    [Benchmark(Baseline = true, Description = "memcpy into the mapping (unchecked)")]
    [BenchmarkCategory("Write")]
    public void WriteMemcpy() => buffer.CopyTo(new Span<byte>((void*)mapping.Address, Size));

    [Benchmark(Description = "MemoryMapping.Write (kernel copy)")]
    [BenchmarkCategory("Write")]
    public void WriteMemMap() => mapping.Write(0, buffer);

    [Benchmark(Description = "MemoryMappedViewAccessor.WriteArray")]
    [BenchmarkCategory("Write")]
    public void WriteViewAccessor() => dotnetView.WriteArray(0, buffer, 0, Size);
}
