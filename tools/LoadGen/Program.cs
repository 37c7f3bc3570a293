using Live.Tools.LoadGen;

if (args.Length == 0 || args.Contains("--help"))
{
    Console.WriteLine(LoadOptions.Usage);
    return args.Length == 0 ? 1 : 0;
}

var options = LoadOptions.Parse(args);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var report = await LoadRun.RunAsync(options, Console.Out, cancel.Token);
Console.WriteLine(LoadRun.Describe(report));
if (options.Output is { } output)
{
    await LoadRun.WriteAsync(report, output);
    Console.WriteLine($"results: {output}");
}

return 0;
