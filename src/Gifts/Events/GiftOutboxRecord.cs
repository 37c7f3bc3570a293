using System.Globalization;
using Live.ServiceDefaults.Outbox;

namespace Live.Gifts.Events;

/// <summary>A row of `gift_outbox`: a GiftEvent committed with its ledger row, waiting for Kafka.</summary>
public sealed class GiftOutboxRecord : IOutboxRecord
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
