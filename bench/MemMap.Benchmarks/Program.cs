using BenchmarkDotNet.Running;

// --quick: every ratio of the performance issue in a few minutes (Stopwatch, see QuickMode.cs);
// anything else goes to BenchmarkDotNet (e.g. --filter '*').
return args.Contains("--quick")
    ? MemMap.Benchmarks.QuickMode.Run(args)
    : RunBenchmarkDotNet(args);

static int RunBenchmarkDotNet(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(MemMap.Benchmarks.CopyBenchmarks).Assembly).Run(args);
    return 0;
}
