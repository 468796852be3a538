using BenchmarkDotNet.Running;

// --quick: every ratio of the performance issue in a few minutes (Stopwatch, see QuickMode.cs);
// anything else goes to BenchmarkDotNet (e.g. --filter '*').
// --wake-child PATH: the other process of the wake-latency benchmark (SyncBenchmarks.cs).
return args.Contains("--quick")
    ? MemMap.Benchmarks.QuickMode.Run(args)
    : args.Length == 2 && args[0] == "--wake-child"
    ? MemMap.Benchmarks.SyncBenchmarks.WakeChild(args[1])
    : RunBenchmarkDotNet(args);

static int RunBenchmarkDotNet(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(MemMap.Benchmarks.CopyBenchmarks).Assembly).Run(args);
    return 0;
}
