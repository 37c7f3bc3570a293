using Confluent.Kafka;
using Live.CommerceService.Data;
using Live.CommerceService.Telemetry;
using Live.Outbox;
using Microsoft.Extensions.Options;

namespace Live.CommerceService.Orders;

/// <summary>Wakes the sale relay after a payment commits.</summary>
public sealed class SaleOutboxSignal : OutboxSignal;

/// <summary>Publishes `sale_outbox` to Kafka `commerce-sales` (key = room id); at least once, StatsService dedupes by order id.</summary>
public sealed class SaleOutboxRelay(
    IServiceScopeFactory scopes,
    IProducer<string, byte[]> producer,
    SaleOutboxSignal signal,
    IOptions<CommerceOptions> options,
    TimeProvider time,
    ILogger<SaleOutboxRelay> logger)
    : OutboxRelay<CommerceDbContext, SaleOutboxRecord>(scopes, producer, signal, time, logger)
{
    protected override OutboxRelaySettings Settings { get; } = new(
        options.Value.SalesTopic,
        "sale_outbox_relay",
        "application/x-protobuf; type=live.v1.SaleEvent",
        CommerceMetrics.ActivitySource);
}
