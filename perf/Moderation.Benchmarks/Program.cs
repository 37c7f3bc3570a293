using BenchmarkDotNet.Running;
using Live.Moderation.Benchmarks;

// `pipeline ...` runs the load through the whole pipeline against MariaDB and Redis; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "pipeline")
{
    return await PipelineLoad.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(WordFilterBenchmarks).Assembly).Run(args);
return 0;
