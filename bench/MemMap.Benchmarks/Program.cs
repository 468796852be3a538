using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(MemMap.Benchmarks.CopyBenchmarks).Assembly).Run(args);
