using Live.Outbox;

namespace Live.RoomService.Events;

/// <summary>
/// A row of `room_outbox`: an event written in the same transaction as the room change it describes,
/// then published to Kafka by <see cref="OutboxRelay"/>. A change can never commit without its event.
/// </summary>
public sealed class OutboxRecord : RoomOutboxRecord;
