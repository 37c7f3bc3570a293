using Live.Tools.LoadGen;
using Live.Tools.LoadGen.Reporting;

if (args.Length == 0 || args.Contains("--help"))
{
    Console.WriteLine(LoadOptions.Usage);
    return args.Length == 0 ? 1 : 0;
}

LoadOptions options;
RunReport report;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
try
{
    options = LoadOptions.Parse(args);
    report = await LoadRun.RunAsync(options, Console.Out, cancel.Token);
}
catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine($"LoadGen: {ex.Message}");
    return 2;
}

Console.WriteLine(LoadRun.Describe(report));
if (options.Output is { } output)
{
    await LoadRun.WriteAsync(report, output);
    Console.WriteLine($"results: {output}");
}

return 0;
