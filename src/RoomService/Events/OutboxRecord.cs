using System.Globalization;
using Live.ServiceDefaults.Outbox;

namespace Live.RoomService.Events;

/// <summary>
/// A row of `room_outbox`: an event written in the same transaction as the room change it describes,
/// then published to Kafka by <see cref="OutboxRelay"/>. A change can never commit without its event.
/// </summary>
public sealed class OutboxRecord : IOutboxRecord
{
    public long Id { get; set; }
    public long RoomId { get; set; }
    public string EventId { get; set; } = string.Empty;
    public string EventType { get; set; } = string.Empty;
    public byte[] Payload { get; set; } = [];
    public string? TraceParent { get; set; }
    public string? TraceState { get; set; }
    public DateTime CreatedAt { get; set; }
    public int Attempts { get; set; }

    public string MessageKey() => RoomId.ToString(CultureInfo.InvariantCulture);
}
