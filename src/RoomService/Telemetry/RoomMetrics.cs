using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Live.RoomService.Telemetry;

public sealed class RoomMetrics : IDisposable
{
    public const string Name = "Live.RoomService";
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter meter;
    private readonly Counter<long> cacheLookups;
    private readonly Counter<long> transitions;
    private readonly Counter<long> outboxPublished;
    private readonly Counter<long> outboxFailures;
    private readonly Histogram<double> outboxLag;

    public RoomMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        cacheLookups = meter.CreateCounter<long>("live.room.cache.lookups", description: "Room cache lookups by result (hit, miss, missing_hit, error).");
        transitions = meter.CreateCounter<long>("live.room.transitions", description: "Lifecycle transitions by transition and outcome.");
        outboxPublished = meter.CreateCounter<long>("live.room.outbox.published", description: "Room events published to Kafka.");
        outboxFailures = meter.CreateCounter<long>("live.room.outbox.failures", description: "Room event publish attempts that failed and will be retried.");
        outboxLag = meter.CreateHistogram<double>("live.room.outbox.lag", unit: "ms", description: "Time from commit to Kafka acknowledgement.");

        // Failure counters exist from the start (dashboards and alerts read them before the first failure).
        outboxFailures.Add(0);
    }

    public void CacheLookup(string result) => cacheLookups.Add(1, new KeyValuePair<string, object?>("result", result));

    public void Transition(string transition, string outcome) =>
        transitions.Add(1, new KeyValuePair<string, object?>("transition", transition), new KeyValuePair<string, object?>("outcome", outcome));

    public void OutboxPublished(int count, double lagMs)
    {
        outboxPublished.Add(count);
        outboxLag.Record(lagMs);
    }

    public void OutboxFailed(int count) => outboxFailures.Add(count);

    public void Dispose() => meter.Dispose();
}
