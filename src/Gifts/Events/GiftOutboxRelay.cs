using Confluent.Kafka;
using Live.Gifts.Data;
using Live.Gifts.Telemetry;
using Live.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Live.Gifts.Events;

/// <summary>Wakes the gift relay after a send commits (a type of its own so a host with several outboxes keeps them apart).</summary>
public sealed class GiftOutboxSignal : OutboxSignal;

/// <summary>Publishes `gift_outbox` to Kafka `gift-events` (key = room id); at least once, consumers dedupe by idempotency key.</summary>
public sealed class GiftOutboxRelay(
    IServiceScopeFactory scopes,
    IProducer<string, byte[]> producer,
    GiftOutboxSignal signal,
    GiftMetrics metrics,
    IOptions<GiftsOptions> options,
    TimeProvider time,
    ILogger<GiftOutboxRelay> logger)
    : OutboxRelay<GiftsDbContext, GiftOutboxRecord>(scopes, producer, signal, time, logger)
{
    protected override OutboxRelaySettings Settings { get; } = new(
        options.Value.Topic,
        "gift_outbox_relay",
        "application/x-protobuf; type=live.v1.GiftEvent",
        GiftMetrics.ActivitySource);

    protected override void OnPublished(int count, double lagMs) => metrics.OutboxPublished(count, lagMs);

    protected override void OnFailed(int count) => metrics.OutboxFailed(count);
}
