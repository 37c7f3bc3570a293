using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Live.ServiceDefaults.Hosting;
namespace Live.Outbox;

/// <summary>
/// <c>live.outbox.oldest.age</c>: how long the oldest outbox row not yet in Kafka has waited, by topic, as the
/// relay holding the lock last saw it (0 while the table is empty; no series while this process stands by). It keeps
/// growing while Kafka or the database is down, which is what the backlog alert watches.
/// </summary>
internal static class OutboxBacklog
{
    private static readonly ConcurrentDictionary<string, DateTime?> OldestWaiting = new(StringComparer.Ordinal);
    private static readonly Meter Meter = new(PlatformTelemetry.SourcePrefix + "Outbox");

    static OutboxBacklog() =>
        Meter.CreateObservableGauge("live.outbox.oldest.age", Observe, unit: "s",
            description: "Seconds the oldest outbox row not yet published to Kafka has waited, by topic.");

    public static void Waiting(string topic, DateTime oldestCreatedAt) => OldestWaiting[topic] = oldestCreatedAt;

    public static void Empty(string topic) => OldestWaiting[topic] = null;

    public static void StandingBy(string topic) => OldestWaiting.TryRemove(topic, out _);

    private static IEnumerable<Measurement<double>> Observe()
    {
        var now = DateTime.UtcNow;
        foreach (var (topic, createdAt) in OldestWaiting)
        {
            var age = createdAt is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0;
            yield return new Measurement<double>(age, new KeyValuePair<string, object?>("topic", topic));
        }
    }
}
