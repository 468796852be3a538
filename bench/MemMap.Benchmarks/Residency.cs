using System.Diagnostics;
using System.Globalization;

namespace MemMap.Benchmarks;

/// <summary>
/// File residency against util-linux <c>fincore</c> on the same files: one 2 GiB file of real
/// (written, not sparse) data kept in the page cache, and 1 000 files of 4 KiB. MemMap's side is
/// <see cref="FileResidency.Measure"/> in this process; fincore's side is the command as a user
/// runs it: one process started, its output read to the end, its exit awaited — so fincore's time
/// includes a process start, the fair comparison for a command, and for the 1 000 files one
/// fincore process gets all the paths (its best case). Both must count the same resident pages.
/// </summary>
internal static class Residency
{
    private const long BigSize = 2L << 30;
    private const int SmallFiles = 1000;
    private const int SmallSize = 4096;

    /// <summary>Measures and fincore runs per timed call on the big file, so that one call is not a few microseconds.</summary>
    private const int BigRepeats = 20;

    public static void Run()
    {
        if (!FincoreExists())
        {
            QuickMode.Placeholder("file residency, one 2 GiB file", "fincore (util-linux) not found", "fincore", 0.5);
            QuickMode.Placeholder("file residency, 1 000 small files", "fincore (util-linux) not found", "fincore", 0.5);
            return;
        }
        string directory = Path.Combine(Directory.Exists("/var/tmp") ? "/var/tmp" : Path.GetTempPath(), $"memmap-bench-residency-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        try
        {
            string big = Path.Combine(directory, "big.bin");
            // cachestat walks the page cache one folio at a time: a file written in big blocks sits in
            // large folios (ext4, xfs on recent kernels), one written 4 KiB at a time in 4 KiB folios.
            // fincore's mincore looks up every page either way.
            foreach ((int block, string how) in new[] { (8 << 20, ""), (4096, " written 4 KiB at a time") })
            {
                WriteBigFile(big, block);
                MappingResidency first = FileResidency.Measure(big);
                Console.WriteLine($"  residency: MemMap's method {first.Method}; baseline {FincoreVersion()}");
                Agree($"2 GiB file{how}", [big]);
                QuickMode.Compare($"file residency, one 2 GiB file{how}", $"FileResidency.Measure ({first.Method}, in process)", QuickMode.Repeat(BigRepeats, () => FileResidency.Measure(big)),
                    "fincore process (start + output)", QuickMode.Repeat(BigRepeats, () => Fincore(big)), QuickMode.PerOperation(BigRepeats), 0.5);
                Agree($"2 GiB file{how}, after timing", [big]);
                File.Delete(big);
            }

            string[] small = new string[SmallFiles];
            byte[] data = new byte[SmallSize];
            for (int i = 0; i < SmallFiles; i++)
            {
                Random.Shared.NextBytes(data);
                small[i] = Path.Combine(directory, $"small-{i:D4}.bin");
                File.WriteAllBytes(small[i], data);
            }
            Agree("1 000 files", small);
            QuickMode.Compare("file residency, 1 000 small files", "1 000 × FileResidency.Measure (in process)", () => MeasureAll(small),
                "one fincore process, 1 000 paths (start + output)", () => Fincore(small), QuickMode.PerOperation(1), 0.5);
            Console.WriteLine($"  residency: fincore's times include starting its process (a fincore --version process alone: {ProcessStart()}); MemMap's are calls in this process (open, fstat, {FileResidency.Measure(small[0]).Method}, close per file)");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Writes 2 GiB of non-zero data in writes of <paramref name="blockSize"/> bytes (every page really written, nothing sparse) and waits for it to reach the disk, so that it stays cached and clean.</summary>
    private static void WriteBigFile(string path, int blockSize)
    {
        byte[] data = new byte[8 << 20];
        Random.Shared.NextBytes(data);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        for (long written = 0; written < BigSize; written += blockSize)
        {
            stream.Write(data, (int)(written % data.Length), blockSize);
        }
        stream.Flush(flushToDisk: true);
    }

    private static long MeasureAll(string[] paths)
    {
        long resident = 0;
        foreach (string path in paths)
        {
            resident += FileResidency.Measure(path).ResidentPages;
        }
        return resident;
    }

    /// <summary>Prints a warning when MemMap and fincore count different resident pages on the same files.</summary>
    private static void Agree(string what, string[] paths)
    {
        long ours = MeasureAll(paths);
        long theirs = Fincore(paths).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Sum(line => long.Parse(line.AsSpan(0, line.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture));
        long pages = paths.Sum(path => (new FileInfo(path).Length + Environment.SystemPageSize - 1) / Environment.SystemPageSize);
        Console.WriteLine(ours == theirs
            ? $"  residency, {what}: MemMap and fincore agree: {ours} of {pages} pages resident"
            : $"  WARNING residency, {what}: MemMap counts {ours} resident pages, fincore {theirs} (of {pages})");
    }

    /// <summary>Runs one fincore process over <paramref name="paths"/> as a user would, and returns its output (resident pages and file, one line per file).</summary>
    private static string Fincore(params string[] paths)
    {
        var start = new ProcessStartInfo("fincore") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in (string[])["--bytes", "--noheadings", "--raw", "--output", "PAGES,FILE", .. paths])
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("fincore did not start.");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"fincore exited with {process.ExitCode}.");
    }

    private static bool FincoreExists() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(directory => File.Exists(Path.Combine(directory, "fincore")));

    /// <summary>The median time of a fincore process that measures nothing (--version): the process start inside fincore's times.</summary>
    private static string ProcessStart()
    {
        double[] times = new double[9];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            FincoreVersion();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return QuickMode.PerOperation(1)(times[times.Length / 2]);
    }

    private static string FincoreVersion()
    {
        using Process process = Process.Start(new ProcessStartInfo("fincore", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
        string version = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return version;
    }
}
