using BenchmarkDotNet.Running;
using Live.Moderation.Benchmarks;

// `pipeline ...` runs the load through the moderation pipeline against MariaDB and Redis; `ingest ...` through a
// whole MessageService (docs/benchmarks.md); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "pipeline")
{
    return await PipelineLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "ingest")
{
    return await IngestLoad.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(WordFilterBenchmarks).Assembly).Run(args);
return 0;
