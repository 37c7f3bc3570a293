using System.Diagnostics;
using System.Diagnostics.Metrics;
using Live.V1;

namespace Live.Gifts.Telemetry;

public sealed class GiftMetrics : IDisposable
{
    public const string Name = "Live.Gifts";
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter meter;
    private readonly Counter<long> sent;
    private readonly Counter<long> coins;
    private readonly Counter<long> replayed;
    private readonly Counter<long> refused;
    private readonly Counter<long> announceFailures;
    private readonly Counter<long> outboxPublished;
    private readonly Counter<long> outboxFailures;
    private readonly Histogram<double> outboxLag;

    public GiftMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        sent = meter.CreateCounter<long>("live.gift.sent", description: "Gifts sent, by tier.");
        coins = meter.CreateCounter<long>("live.gift.coins", description: "Coins debited for gifts.");
        replayed = meter.CreateCounter<long>("live.gift.replayed", description: "Sends answered from the ledger because the idempotency key was used already.");
        refused = meter.CreateCounter<long>("live.gift.refused", description: "Sends refused, by reason.");
        announceFailures = meter.CreateCounter<long>("live.gift.announce.failures", description: "Committed gifts whose announcement to the room threw (the send still succeeded).");
        outboxPublished = meter.CreateCounter<long>("live.gift.outbox.published", description: "Gift events published to Kafka.");
        outboxFailures = meter.CreateCounter<long>("live.gift.outbox.failures", description: "Gift event publish attempts that failed and will be retried.");
        outboxLag = meter.CreateHistogram<double>("live.gift.outbox.lag", unit: "ms", description: "Time from commit to Kafka acknowledgement.");
    }

    public void Sent(GiftTier tier, long value)
    {
        sent.Add(1, new KeyValuePair<string, object?>("tier", tier.ToString()));
        coins.Add(value);
    }

    public void Replayed() => replayed.Add(1);

    public void Refused(string reason) => refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void AnnounceFailed() => announceFailures.Add(1);

    public void OutboxPublished(int count, double lagMs)
    {
        outboxPublished.Add(count);
        outboxLag.Record(lagMs);
    }

    public void OutboxFailed(int count) => outboxFailures.Add(count);

    public void Dispose() => meter.Dispose();
}
