using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Live.StatsService.Telemetry;

public sealed class StatsMetrics : IDisposable
{
    public const string Name = "Live.StatsService";

    // Indexed by PipelineStage.
    private static readonly KeyValuePair<string, object?>[] StageTags =
        [.. new[] { "idle", "gather", "wait", "commit", "redis-build", "redis", "mysql" }.Select(s => new KeyValuePair<string, object?>("stage", s))];

    private readonly Meter meter;
    private readonly Counter<long> records;
    private readonly Histogram<double> batchDuration;
    private readonly Histogram<double> stageDuration;
    private readonly Counter<long> applyFailures;
    private readonly Counter<long> undecodable;
    private readonly Counter<long> viewerSamples;

    public StatsMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        records = meter.CreateCounter<long>("live.stats.records", description: "Kafka records whose effects were applied.");
        batchDuration = meter.CreateHistogram<double>("live.stats.batch.duration", unit: "ms", description: "Time to apply one batch to Redis and MySQL.");
        stageDuration = meter.CreateHistogram<double>("live.stats.stage.duration", unit: "ms",
            description: "Time one batch spent in one pipeline stage: gather (poll and decode), redis-build (the script's arguments), redis, "
                + "mysql, commit, wait (the consumer thread held back by the batches under way), or idle (a poll that brought no record).");
        applyFailures = meter.CreateCounter<long>("live.stats.batch.failures", description: "Batches that failed to apply and were retried.");
        undecodable = meter.CreateCounter<long>("live.stats.records.undecodable", description: "Records skipped because their value is not the topic's type.");
        viewerSamples = meter.CreateCounter<long>("live.stats.viewer.samples", description: "Viewer counts read from RoomService, by outcome.");

        // Failure counters exist from the start (dashboards read them before the first failure).
        applyFailures.Add(0);
    }

    public void BatchApplied(long count, double durationMs)
    {
        records.Add(count);
        batchDuration.Record(durationMs);
    }

    public void StageCompleted(PipelineStage stage, long startTimestamp) =>
        stageDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, StageTags[(int)stage]);

    public void ApplyFailed() => applyFailures.Add(1);

    public void Undecodable(string topic) => undecodable.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public void ViewerSampled(string outcome, int count) => viewerSamples.Add(count, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => meter.Dispose();
}

/// <summary>The stages of StatsConsumer's pipeline, as the `stage` tag of live.stats.stage.duration.</summary>
public enum PipelineStage
{
    Idle,
    Gather,
    Wait,
    Commit,
    RedisBuild,
    Redis,
    MySql,
}
