using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Live.Outbox;

/// <summary>
/// An outbox row whose Kafka key is a room id (so a room's events keep their order). Each database derives its
/// own entity from it, so every DbContext keeps a type, and a migration history, of its own.
/// </summary>
public abstract class RoomOutboxRecord : IOutboxRecord
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

public static class RoomOutboxMapping
{
    /// <summary>The outbox table's columns, the same in every database that has one.</summary>
    public static EntityTypeBuilder<TRecord> MapRoomOutbox<TRecord>(this EntityTypeBuilder<TRecord> outbox, string table, int eventIdLength)
        where TRecord : RoomOutboxRecord
    {
        outbox.ToTable(table);
        outbox.HasKey(o => o.Id);
        outbox.Property(o => o.Id).HasColumnName("id");
        outbox.Property(o => o.RoomId).HasColumnName("room_id");
        outbox.Property(o => o.EventId).HasColumnName("event_id").HasMaxLength(eventIdLength).IsRequired();
        outbox.Property(o => o.EventType).HasColumnName("event_type").HasMaxLength(32).IsRequired();
        outbox.Property(o => o.Payload).HasColumnName("payload").IsRequired();
        outbox.Property(o => o.TraceParent).HasColumnName("trace_parent").HasMaxLength(64);
        outbox.Property(o => o.TraceState).HasColumnName("trace_state").HasMaxLength(512);
        outbox.Property(o => o.CreatedAt).HasColumnName("created_at");
        outbox.Property(o => o.Attempts).HasColumnName("attempts");
        return outbox;
    }
}
