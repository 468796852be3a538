using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;

namespace MemMap.Benchmarks;

/// <summary>
/// 200 000 random 8-byte reads (one operation = all of them) from a 256 MiB shared file mapping or
/// from anonymous memory, against MemoryMappedViewAccessor.ReadInt64 on the same file: the cost of
/// one small access, which is where a system call per access shows.
/// </summary>
[ShortRunJob]
public unsafe class RandomReadBenchmarks
{
    internal const int Reads = 200_000;
    private const int Size = 256 << 20;
    private string path = "";
    private MemoryMappedFile dotnetFile = null!;
    private MemoryMappedViewAccessor dotnetView = null!;
    private long[] offsets = [];

    /// <summary>"file": a shared mapping of the file; "anonymous": anonymous memory (the accessor stays on the file).</summary>
    [Params("file", "anonymous")]
    public string Memory { get; set; } = "file";

    /// <summary>The mapping under test (public for the quick mode).</summary>
    public MemoryMapping Mapping { get; private set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        path = Path.Combine(Path.GetTempPath(), $"memmap-bench-random-{Environment.ProcessId}-{Memory}.bin");
        using (var stream = new FileStream(path, FileMode.Create))
        {
            stream.SetLength(Size);
        }
        Mapping = Memory == "file"
            ? MemoryMapping.MapFile(path, new MappingOptions { Populate = true })
            : MemoryMapping.MapAnonymous(new MappingOptions { Length = Size, Populate = true });
        dotnetFile = MemoryMappedFile.CreateFromFile(path, FileMode.Open);
        dotnetView = dotnetFile.CreateViewAccessor();
        var random = new Random(42);
        offsets = Enumerable.Range(0, Reads).Select(_ => random.NextInt64(Size - 8)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        dotnetView.Dispose();
        dotnetFile.Dispose();
        Mapping.Dispose();
        File.Delete(path);
    }

    [Benchmark(Baseline = true, Description = "MemoryMappedViewAccessor.ReadInt64 x 200 000")]
    public long AccessorReadInt64()
    {
        long sum = 0;
        foreach (long offset in offsets)
        {
            sum += dotnetView.ReadInt64(offset);
        }
        return sum;
    }

    /// <summary>The same reads straight from the mapped memory, unchecked (what can SIGBUS on a file): the memory's own cost, for MemMap's overhead.</summary>
    [Benchmark(Description = "unchecked pointer reads of the mapping x 200 000")]
    public long PointerRead()
    {
        long sum = 0;
        byte* start = (byte*)Mapping.Address;
        foreach (long offset in offsets)
        {
            sum += *(long*)(start + offset);
        }
        return sum;
    }

    [Benchmark(Description = "MemoryMapping.ReadValue<long> x 200 000")]
    public long MemMapReadValue()
    {
        long sum = 0;
        foreach (long offset in offsets)
        {
            sum += Mapping.ReadValue<long>(offset);
        }
        return sum;
    }
}
