using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Live.MessageService.Telemetry;

public sealed class MessageMetrics : IDisposable
{
    public const string Name = "Live.MessageService";
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter meter;
    private readonly Counter<long> accepted;
    private readonly Counter<long> rejected;
    private readonly Counter<long> shadowed;
    private readonly Counter<long> rejectionsNotLogged;
    private readonly Counter<long> moderationActions;
    private readonly Counter<long> batches;
    private readonly Counter<long> batchedMessages;
    private readonly Counter<long> relayBatches;
    private readonly Counter<long> sampledOut;
    private readonly Counter<long> kafkaPublished;
    private readonly Counter<long> kafkaFailed;
    private readonly Counter<long> kafkaDropped;
    private readonly Counter<long> edgeStreamsOverflowed;
    private readonly Counter<long> giftsAnnounced;
    private readonly Counter<long> giftsMerged;
    private readonly Counter<long> giftAnnounceFailures;
    private readonly Counter<long> epochsReplaced;
    private readonly Counter<long> streamRegressions;
    private readonly Histogram<double> ingestDuration;
    private readonly Histogram<int> busyRoomWindow;
    private long kafkaQueued;
    private long giftUpdatesPending;
    private long edgeStreams;
    private long rooms;

    public MessageMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        accepted = meter.CreateCounter<long>("live.message.accepted", description: "Messages given a seq, by kind.");
        rejected = meter.CreateCounter<long>("live.message.rejected", description: "Messages rejected at ingest, by reason.");
        shadowed = meter.CreateCounter<long>("live.message.shadowed", description: "Messages of shadow-banned senders, shown to the sender only.");
        rejectionsNotLogged = meter.CreateCounter<long>("live.message.rejection_log.dropped", description: "Refusals not written to the rooms' rejection logs (queue full or Redis down).");
        moderationActions = meter.CreateCounter<long>("live.message.moderation.actions", description: "Moderation admin calls that changed something, by action.");
        batches = meter.CreateCounter<long>("live.message.batches", description: "Room batches encoded (once each, whatever the number of Edges).");
        batchedMessages = meter.CreateCounter<long>("live.message.batched", description: "Messages that went into room batches.");
        relayBatches = meter.CreateCounter<long>("live.message.relay.batches",
            description: "Room batches handed to Edge relay streams: one per subscribed Edge stream per batch (the fan-out factor's numerator).");
        sampledOut = meter.CreateCounter<long>("live.message.sampled_out", description: "Ordinary danmaku not shown because a room was over its display rate.");
        kafkaPublished = meter.CreateCounter<long>("live.message.kafka.published", description: "Records acknowledged by Kafka.");
        kafkaFailed = meter.CreateCounter<long>("live.message.kafka.failed", description: "Kafka deliveries that failed and were queued again.");
        kafkaDropped = meter.CreateCounter<long>("live.message.kafka.dropped", description: "Records dropped because the Kafka queue was full (each is also logged).");
        edgeStreamsOverflowed = meter.CreateCounter<long>("live.message.edge_stream.overflowed", description: "Edge relay streams closed because they fell too far behind.");
        giftsAnnounced = meter.CreateCounter<long>("live.message.gift.announced", description: "Gift combo messages published into rooms, by mode (immediate or coalesced).");
        giftsMerged = meter.CreateCounter<long>("live.message.gift.merged", description: "Gifts folded into a pending combo update instead of a message of their own.");
        giftAnnounceFailures = meter.CreateCounter<long>("live.message.gift.announce_failed", description: "Gift combo messages not shown (Redis down, room not live, ...), by reason; the gifts themselves are paid and recorded.");
        epochsReplaced = meter.CreateCounter<long>("live.message.epochs.replaced",
            description: "Rooms this node forwarded that moved to a new epoch (ADR 0007): Redis lost the room's stream state or it went backwards, and viewers were told what cannot be recovered.");
        streamRegressions = meter.CreateCounter<long>("live.message.stream.regressions",
            description: "Seqs that went backwards within a room's epoch (a lagging replica, lost writes); each asks for the epoch to be replaced.");
        busyRoomWindow = meter.CreateHistogram<int>("live.message.batch.busy_window", unit: "ms",
            description: "The window a busy room's next batch waits, from its largest audience on one Edge (ADR 0017); once per busy room's batch.");
        ingestDuration = meter.CreateHistogram<double>("live.message.ingest.duration", unit: "ms", description: "Checks + seq + history + publish, per message.");
        meter.CreateObservableGauge("live.message.kafka.queued", () => Volatile.Read(ref kafkaQueued), description: "Records waiting for Kafka.");
        meter.CreateObservableGauge("live.message.edge_streams", () => Volatile.Read(ref edgeStreams), description: "Open Edge relay streams.");
        meter.CreateObservableGauge("live.message.gift.updates_pending", () => Volatile.Read(ref giftUpdatesPending), description: "Coalesced gift combo updates this node is waiting to publish.");
        meter.CreateObservableGauge("live.message.rooms", () => Volatile.Read(ref rooms), description: "Rooms this node fans out.");

        // Series the alert rules take rates and ratios of exist from the start, so the first failure is an
        // increase Prometheus sees rather than the birth of a series.
        accepted.Add(0, new KeyValuePair<string, object?>("kind", "danmaku"));
        rejected.Add(0, new KeyValuePair<string, object?>("reason", "unavailable"));
        kafkaDropped.Add(0);
        kafkaFailed.Add(0);
        sampledOut.Add(0);
        epochsReplaced.Add(0);
        streamRegressions.Add(0);
    }

    public void Accepted(string kind) => accepted.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Rejected(string reason) => rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Shadowed() => shadowed.Add(1);

    public void RejectionNotLogged(long count = 1) => rejectionsNotLogged.Add(count);

    public void ModerationAction(string action) => moderationActions.Add(1, new KeyValuePair<string, object?>("action", action));

    public void IngestDuration(double ms) => ingestDuration.Record(ms);

    public void Batch(int messages, int sampled)
    {
        batches.Add(1);
        batchedMessages.Add(messages);
        if (sampled > 0)
        {
            sampledOut.Add(sampled);
        }
    }

    public void BusyRoomWindow(int milliseconds) => busyRoomWindow.Record(milliseconds);

    public void RelayBatchesSent(int streams) => relayBatches.Add(streams);

    public void KafkaQueued(long delta) => Interlocked.Add(ref kafkaQueued, delta);

    public void KafkaPublished() => kafkaPublished.Add(1);

    public void KafkaFailed() => kafkaFailed.Add(1);

    public void KafkaDropped() => kafkaDropped.Add(1);

    public void EdgeStreamOpened() => Interlocked.Increment(ref edgeStreams);

    public void EdgeStreamClosed() => Interlocked.Decrement(ref edgeStreams);

    public void EdgeStreamOverflowed() => edgeStreamsOverflowed.Add(1);

    public void GiftAnnounced(string mode) => giftsAnnounced.Add(1, new KeyValuePair<string, object?>("mode", mode));

    public void GiftMerged() => giftsMerged.Add(1);

    public void GiftAnnounceFailed(string reason) => giftAnnounceFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void GiftUpdatesPending(long delta) => Interlocked.Add(ref giftUpdatesPending, delta);

    public void EpochReplaced() => epochsReplaced.Add(1);

    public void StreamRegressed() => streamRegressions.Add(1);

    public void RoomsChanged(long delta) => Interlocked.Add(ref rooms, delta);

    public void Dispose() => meter.Dispose();
}
