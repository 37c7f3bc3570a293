using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Live.MessageService.Telemetry;

namespace Live.Moderation.Benchmarks;

/// <summary>MessageService's own instruments: every ingest duration (exact, not bucketed) and accepted count.</summary>
internal sealed class IngestServerInstruments : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<double> durations = new();
    private readonly ConcurrentDictionary<string, (long Calls, long Items)> scriptBatches = new();
    private long accepted;

    public IngestServerInstruments()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MessageMetrics.Name && instrument.Name is "live.message.ingest.duration" or "live.message.accepted")
            {
                l.EnableMeasurementEvents(instrument);
            }

            if (instrument.Name == "live.redis.script.batch_size")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            var script = tags.Length > 0 ? tags[0].Value?.ToString() ?? "?" : "?";
            scriptBatches.AddOrUpdate(script, (1, value), (_, seen) => (seen.Calls + 1, seen.Items + value));
        });
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => durations.Enqueue(value));
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref accepted, value));
        listener.Start();
    }

    public long Accepted => Volatile.Read(ref accepted);

    public void Reset()
    {
        durations.Clear();
        scriptBatches.Clear();
        Interlocked.Exchange(ref accepted, 0);
    }

    public double[] IngestDurations()
    {
        var all = durations.ToArray();
        Array.Sort(all);
        return all;
    }

    /// <summary>Mean items per call of each batched Redis script.</summary>
    public string ScriptBatchSizes() => string.Join(", ", scriptBatches.OrderBy(s => s.Key, StringComparer.Ordinal)
        .Select(s => FormattableString.Invariant($"{s.Key} {(double)s.Value.Items / Math.Max(1, s.Value.Calls):F1} per call")));

    public void Dispose() => listener.Dispose();
}
