using Confluent.Kafka;
using Live.Outbox;
using Live.RoomService.Data;
using Live.RoomService.Rooms;
using Live.RoomService.Telemetry;
using Microsoft.Extensions.Options;

namespace Live.RoomService.Events;

/// <summary>
/// Publishes `room_outbox` rows to Kafka `room-events` (Rooms:EventsTopic; key = room id) in commit order,
/// then deletes them; the shared relay holds a MariaDB named lock so one RoomService process publishes at a time.
/// </summary>
public sealed class OutboxRelay(
    IServiceScopeFactory scopes,
    IProducer<string, byte[]> producer,
    OutboxSignal signal,
    RoomMetrics metrics,
    IOptions<RoomOptions> options,
    TimeProvider time,
    ILogger<OutboxRelay> logger)
    : OutboxRelay<RoomsDbContext, OutboxRecord>(scopes, producer, signal, time, logger)
{
    protected override OutboxRelaySettings Settings { get; } = new(
        options.Value.EventsTopic,
        "room_outbox_relay",
        "application/x-protobuf; type=live.v1.RoomEvent",
        RoomMetrics.ActivitySource);

    protected override void OnPublished(int count, double lagMs) => metrics.OutboxPublished(count, lagMs);

    protected override void OnFailed(int count) => metrics.OutboxFailed(count);
}
