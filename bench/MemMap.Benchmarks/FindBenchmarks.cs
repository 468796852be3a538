using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MemMap.Benchmarks;

/// <summary>
/// Find over 1 GiB of random data with one 16-byte match at the very end, on a shared file
/// mapping in /dev/shm, against Span&lt;byte&gt;.IndexOf over a managed byte[] holding the same
/// bytes (the speed of a search with no safety net). And Fill of 256 MiB (a guarded native
/// memset) against Span.Fill straight on the mapping memory (unchecked, can SIGBUS).
/// The same 1 GiB in anonymous memory shows the Direct path (searched where it lies).
/// </summary>
[ShortRunJob]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class FindBenchmarks
{
    private const int Size = 1 << 30;
    private const int FillSize = 256 << 20;
    private string path = "";
    private MemoryMapping mapping = null!;
    private MemoryMapping anonymous = null!;
    private byte[] data = [];
    private readonly byte[] needle = "MemMap-needle-16"u8.ToArray();

    [GlobalSetup]
    public void Setup()
    {
        data = GC.AllocateUninitializedArray<byte>(Size);
        new Random(42).NextBytes(data);
        needle.CopyTo(data, Size - needle.Length);
        path = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"memmap-bench-find-{Environment.ProcessId}.bin");
        File.WriteAllBytes(path, data);
        mapping = MemoryMapping.MapFile(path, new MappingOptions { Populate = true });
        anonymous = MemoryMapping.MapAnonymous(new MappingOptions { Length = Size, Private = true });
        anonymous.Write(0, data);
        if (Find() != Size - needle.Length || IndexOf() != Size - needle.Length || FindAnonymous() != Size - needle.Length)
        {
            throw new InvalidOperationException("The planted needle was not found at the end.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        mapping.Dispose();
        anonymous.Dispose();
        File.Delete(path);
    }

    [Benchmark(Baseline = true, Description = "Span<byte>.IndexOf over a managed byte[]")]
    [BenchmarkCategory("Find 1 GiB")]
    public long IndexOf() => data.AsSpan().IndexOf(needle);

    [Benchmark(Description = "MemoryMapping.Find (safe, parallel blocks)")]
    [BenchmarkCategory("Find 1 GiB")]
    public long Find() => LastMatch(mapping);

    [Benchmark(Description = "MemoryMapping.Find on anonymous memory (direct, parallel blocks)")]
    [BenchmarkCategory("Find 1 GiB")]
    public long FindAnonymous() => LastMatch(anonymous);

    private long LastMatch(MemoryMapping where)
    {
        long last = -1;
        foreach (long at in where.Find(needle))
        {
            last = at;
        }
        return last;
    }

    [Benchmark(Baseline = true, Description = "Span<byte>.Fill on the mapping (unchecked)")]
    [BenchmarkCategory("Fill 256 MiB")]
    public void SpanFill() => new Span<byte>((void*)mapping.Address, FillSize).Fill(0x5A);

    [Benchmark(Description = "MemoryMapping.Fill (guarded memset)")]
    [BenchmarkCategory("Fill 256 MiB")]
    public void Fill() => mapping.Fill(0, FillSize, 0x5A);
}
