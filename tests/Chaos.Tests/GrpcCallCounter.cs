using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Live.Chaos.Tests;

/// <summary>
/// Counts the gRPC calls the services in this process answer, per method and per second, from ASP.NET Core's own
/// <c>http.server.request.duration</c> (its <c>http.route</c> is the gRPC method's path): what a herd of
/// reconnecting clients costs RoomService and MessageService.
/// </summary>
public sealed class GrpcCallCounter : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<(string Method, long Second), int> calls = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public GrpcCallCounter()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name == "http.server.request.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) => Count(tags));
        listener.Start();
    }

    /// <summary>Calls of the method (its name, e.g. "GetHistory") since the counter started.</summary>
    public int Total(string method) => calls.Where(c => c.Key.Method == method).Sum(c => c.Value);

    /// <summary>The most calls of the method in one second (seconds counted from the counter's start).</summary>
    public int PeakPerSecond(string method) => calls.Where(c => c.Key.Method == method).Select(c => c.Value).DefaultIfEmpty().Max();

    private void Count(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "http.route" && tag.Value is string route && route.LastIndexOf('/') is var slash and >= 0)
            {
                calls.AddOrUpdate((route[(slash + 1)..], (long)clock.Elapsed.TotalSeconds), 1, static (_, n) => n + 1);
                return;
            }
        }
    }

    public void Dispose() => listener.Dispose();
}
