using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
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

    /// <summary>Fewer reads (fstat costs microseconds), all in the mapping's last page: the end of the file is checked by fstat there (MemoryMapping.Access.cs), with the sentinel page elsewhere.</summary>
    internal const int LastPageReads = 20_000;
    private long[] lastPageOffsets = [];
    private long[] someOffsets = [];

    /// <summary>The helper's access routine called without the GC transition (SuppressGCTransition): what MemMap does NOT do (see benchmarks.md), measured to show what the transition costs.</summary>
    private delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int, nuint> accessWithoutTransition;

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
        int page = Environment.SystemPageSize;
        lastPageOffsets = Enumerable.Range(0, LastPageReads).Select(_ => Size - page + random.NextInt64(page - 8)).ToArray();
        someOffsets = offsets[..LastPageReads];
        string helper = Path.Combine(Path.GetDirectoryName(typeof(MemoryMapping).Assembly.Location)!, "runtimes",
            $"linux-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}", "native", "libmemmap_guard.so");
        accessWithoutTransition = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int, nuint>)NativeLibrary.GetExport(NativeLibrary.Load(helper), "memmap_guarded_access");
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
    public long MemMapReadValue() => ReadValues(offsets);

    [Benchmark(Description = "MemoryMappedViewAccessor.Write(long) x 200 000")]
    public void AccessorWriteInt64()
    {
        foreach (long offset in offsets)
        {
            dotnetView.Write(offset, offset);
        }
    }

    [Benchmark(Description = "MemoryMapping.WriteValue<long> x 200 000")]
    public void MemMapWriteValue() => WriteValues(offsets);

    /// <summary>200 000 reads of one hot line (offset 4096): no cache miss, so only MemMap's own cost shows.</summary>
    [Benchmark(Description = "MemoryMapping.ReadValue<long>, one hot line x 200 000")]
    public long MemMapReadHotLine()
    {
        long sum = 0;
        for (int i = 0; i < Reads; i++)
        {
            sum += Mapping.ReadValue<long>(4096);
        }
        return sum;
    }

    [Benchmark(Description = "unchecked pointer reads of one hot line x 200 000")]
    public long PointerReadHotLine()
    {
        long sum = 0;
        long* line = (long*)(Mapping.Address + 4096);
        for (int i = 0; i < Reads; i++)
        {
            sum += Volatile.Read(ref *line); // a load per iteration, as the JIT would otherwise hoist it
        }
        return sum;
    }

    /// <summary>ReadValue at 20 000 random offsets in the last page of the mapping (the end of the file checked by fstat).</summary>
    public long ReadLastPage() => ReadValues(lastPageOffsets);

    /// <summary>ReadValue at 20 000 random offsets anywhere (the end of the file proved by the sentinel page).</summary>
    public long ReadSome() => ReadValues(someOffsets);

    public void WriteLastPage() => WriteValues(lastPageOffsets);

    public void WriteSome() => WriteValues(someOffsets);

    /// <summary>The guarded copy alone, with no gate, no checks and no end-of-file proof: what the checks are measured against.</summary>
    public long GuardedCopyOnly() => Guarded(sentinel: false);

    /// <summary>The guarded copy after the sentinel probe (memmap_guarded_access_within), still without gate and checks: the probe's own cost.</summary>
    public long GuardedCopyWithSentinel() => Guarded(sentinel: true);

    /// <summary>The guarded copy called without the GC transition: unsafe for a page fault that blocks on the disk (see benchmarks.md), measured only.</summary>
    public long GuardedCopyWithoutTransition()
    {
        long sum = 0, value = 0;
        byte* start = (byte*)Mapping.Address;
        foreach (long offset in offsets)
        {
            accessWithoutTransition(start + offset, (byte*)&value, 8, 0);
            sum += value;
        }
        return sum;
    }

    private long Guarded(bool sentinel)
    {
        long sum = 0, value = 0;
        nint start = Mapping.Address, last = sentinel ? start + (nint)(Mapping.MappedLength - Environment.SystemPageSize) : 0;
        foreach (long offset in offsets)
        {
            GuardedCopy.Copy(start + (nint)offset, (byte*)&value, 8, write: false, last);
            sum += value;
        }
        return sum;
    }

    private long ReadValues(long[] at)
    {
        long sum = 0;
        foreach (long offset in at)
        {
            sum += Mapping.ReadValue<long>(offset);
        }
        return sum;
    }

    private void WriteValues(long[] at)
    {
        foreach (long offset in at)
        {
            Mapping.WriteValue(offset, offset);
        }
    }
}
