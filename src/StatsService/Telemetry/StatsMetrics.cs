using System.Diagnostics.Metrics;

namespace Live.StatsService.Telemetry;

public sealed class StatsMetrics : IDisposable
{
    public const string Name = "Live.StatsService";

    private readonly Meter meter;
    private readonly Counter<long> records;
    private readonly Histogram<double> batchDuration;
    private readonly Counter<long> applyFailures;
    private readonly Counter<long> undecodable;
    private readonly Counter<long> viewerSamples;

    public StatsMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        records = meter.CreateCounter<long>("live.stats.records", description: "Kafka records whose effects were applied.");
        batchDuration = meter.CreateHistogram<double>("live.stats.batch.duration", unit: "ms", description: "Time to apply one batch to Redis and MySQL.");
        applyFailures = meter.CreateCounter<long>("live.stats.batch.failures", description: "Batches that failed to apply and were retried.");
        undecodable = meter.CreateCounter<long>("live.stats.records.undecodable", description: "Records skipped because their value is not the topic's type.");
        viewerSamples = meter.CreateCounter<long>("live.stats.viewer.samples", description: "Viewer counts read from RoomService, by outcome.");
    }

    public void BatchApplied(long count, double durationMs)
    {
        records.Add(count);
        batchDuration.Record(durationMs);
    }

    public void ApplyFailed() => applyFailures.Add(1);

    public void Undecodable(string topic) => undecodable.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public void ViewerSampled(string outcome, int count) => viewerSamples.Add(count, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => meter.Dispose();
}
