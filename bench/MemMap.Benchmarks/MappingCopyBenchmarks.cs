using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MemMap.Benchmarks;

/// <summary>
/// Copy-MappedByte's core (MemoryMapping.CopyTo): a 1 GiB file copied into another through two
/// shared file mappings (warm page cache, both mapped with Populate), against an unchecked memcpy
/// (Buffer.MemoryCopy) between the same two mappings and against File.Copy of the file; and a
/// 512 MiB move within one mapping (file and anonymous), against Buffer.MemoryCopy of the same range.
/// </summary>
[ShortRunJob]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class MappingCopyBenchmarks
{
    internal const long Size = 1L << 30;
    internal const long Half = Size / 2;
    private string sourcePath = "";
    private string destinationPath = "";
    private string fileCopyPath = "";

    public MemoryMapping Source { get; private set; } = null!;
    public MemoryMapping Destination { get; private set; } = null!;
    public MemoryMapping Anonymous { get; private set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        string stem = Path.Combine(Path.GetTempPath(), $"memmap-bench-mapcopy-{Environment.ProcessId}");
        (sourcePath, destinationPath, fileCopyPath) = ($"{stem}-source.bin", $"{stem}-destination.bin", $"{stem}-filecopy.bin");
        byte[] block = new byte[1 << 20];
        new Random(18).NextBytes(block);
        using (FileStream source = File.Create(sourcePath))
        {
            for (long written = 0; written < Size; written += block.Length)
            {
                source.Write(block);
            }
        }
        using (FileStream destination = File.Create(destinationPath))
        {
            destination.SetLength(Size);
        }
        Source = MemoryMapping.MapFile(sourcePath, new MappingOptions { Populate = true });
        Destination = MemoryMapping.MapFile(destinationPath, new MappingOptions { Populate = true });
        Anonymous = MemoryMapping.MapAnonymous(new MappingOptions { Length = Size, Private = true, Populate = true });
        Source.CopyTo(0, Size, Anonymous, 0);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Source.Dispose();
        Destination.Dispose();
        Anonymous.Dispose();
        File.Delete(sourcePath);
        File.Delete(destinationPath);
        File.Delete(fileCopyPath);
    }

    [Benchmark(Baseline = true, Description = "Buffer.MemoryCopy between the two mappings (unchecked)")]
    [BenchmarkCategory("File to file")]
    public void CopyMemcpy() => Buffer.MemoryCopy((void*)Source.Address, (void*)Destination.Address, Size, Size);

    [Benchmark(Description = "MemoryMapping.CopyTo")]
    [BenchmarkCategory("File to file")]
    public void CopyMemMap() => Source.CopyTo(0, Size, Destination, 0);

    [Benchmark(Description = "File.Copy")]
    [BenchmarkCategory("File to file")]
    public void FileCopy() => File.Copy(sourcePath, fileCopyPath, overwrite: true);

    [Benchmark(Baseline = true, Description = "Buffer.MemoryCopy within the file mapping (unchecked)")]
    [BenchmarkCategory("Within a file mapping")]
    public void MoveMemcpy() => Buffer.MemoryCopy((void*)Destination.Address, (void*)(Destination.Address + (nint)Half), Half, Half);

    [Benchmark(Description = "MemoryMapping.CopyTo within the file mapping")]
    [BenchmarkCategory("Within a file mapping")]
    public void MoveMemMap() => Destination.CopyTo(0, Half, Destination, Half);

    /// <summary>Overlapping, upwards by a page and a byte: the descending direction, unaligned.</summary>
    public void ShiftMemcpy() => Buffer.MemoryCopy((void*)Destination.Address, (void*)(Destination.Address + 4097), Half, Half);

    public void ShiftMemMap() => Destination.CopyTo(0, Half, Destination, 4097);

    [Benchmark(Baseline = true, Description = "Buffer.MemoryCopy within anonymous memory (unchecked)")]
    [BenchmarkCategory("Within anonymous memory")]
    public void MoveAnonymousMemcpy() => Buffer.MemoryCopy((void*)Anonymous.Address, (void*)(Anonymous.Address + (nint)Half), Half, Half);

    [Benchmark(Description = "MemoryMapping.CopyTo within anonymous memory")]
    [BenchmarkCategory("Within anonymous memory")]
    public void MoveAnonymousMemMap() => Anonymous.CopyTo(0, Half, Anonymous, Half);
}
