using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MemMap.Benchmarks;

/// <summary>
/// Bulk reads and writes of 256 MiB, on a shared file mapping (warm page cache) or on anonymous
/// memory. The baseline is a plain Span.CopyTo (memcpy) from or into the same mapped pages (what
/// unchecked pointer code would do, and what can SIGBUS on a file); MemMap copies by its access
/// path (the guarded native copy for a file, a checked direct copy for anonymous memory). .NET's own
/// MemoryMappedViewAccessor is measured beside them.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class CopyBenchmarks
{
    internal const int Size = 256 << 20;
    private string? path;
    private MemoryMappedFile dotnetFile = null!;
    private MemoryMappedViewAccessor dotnetView = null!;
    private byte[] buffer = [];

    /// <summary>"file": a shared mapping of a file in the temp directory; "anonymous": shared anonymous memory.</summary>
    [Params("file", "anonymous")]
    public string Memory { get; set; } = "file";

    /// <summary>The mapping under test (public for the quick mode).</summary>
    public MemoryMapping Mapping { get; private set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        byte[] data = Enumerable.Range(0, Size).Select(i => (byte)i).ToArray();
        if (Memory == "file")
        {
            path = Path.Combine(Path.GetTempPath(), $"memmap-bench-copy-{Environment.ProcessId}.bin");
            File.WriteAllBytes(path, data);
            Mapping = MemoryMapping.MapFile(path, new MappingOptions { Populate = true });
            dotnetFile = MemoryMappedFile.CreateFromFile(path, FileMode.Open);
        }
        else
        {
            Mapping = MemoryMapping.MapAnonymous(new MappingOptions { Length = Size, Populate = true });
            Mapping.Write(0, data);
            dotnetFile = MemoryMappedFile.CreateNew(null, Size);
        }
        dotnetView = dotnetFile.CreateViewAccessor();
        buffer = new byte[Size];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        dotnetView.Dispose();
        dotnetFile.Dispose();
        Mapping.Dispose();
        if (path is not null)
        {
            File.Delete(path);
        }
    }

    [Benchmark(Baseline = true, Description = "Span.CopyTo from the mapping (unchecked memcpy)")]
    [BenchmarkCategory("Read")]
    public void ReadMemcpy() => new ReadOnlySpan<byte>((void*)Mapping.Address, Size).CopyTo(buffer);

    [Benchmark(Description = "MemoryMapping.Read")]
    [BenchmarkCategory("Read")]
    public void ReadMemMap() => Mapping.Read(0, buffer);

    [Benchmark(Description = "MemoryMappedViewAccessor.ReadArray")]
    [BenchmarkCategory("Read")]
    public void ReadViewAccessor() => dotnetView.ReadArray(0, buffer, 0, Size);

    [Benchmark(Baseline = true, Description = "Span.CopyTo into the mapping (unchecked memcpy)")]
    [BenchmarkCategory("Write")]
    public void WriteMemcpy() => buffer.CopyTo(new Span<byte>((void*)Mapping.Address, Size));

    [Benchmark(Description = "MemoryMapping.Write")]
    [BenchmarkCategory("Write")]
    public void WriteMemMap() => Mapping.Write(0, buffer);

    [Benchmark(Description = "MemoryMappedViewAccessor.WriteArray")]
    [BenchmarkCategory("Write")]
    public void WriteViewAccessor() => dotnetView.WriteArray(0, buffer, 0, Size);
}
