using Live.Perf.CommerceLoad;

if (args.Contains("--help"))
{
    Console.WriteLine(LoadSettings.Usage);
    return 0;
}

var settings = LoadSettings.Parse(args);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
return await PurchaseLoad.RunAsync(settings, Console.Out, cancel.Token);
