using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Live.RoomService.Data;
using Live.V1;

namespace Live.RoomService.Events;

/// <summary>Adds lifecycle events to the outbox inside the caller's transaction and wakes the relay after commit.</summary>
public sealed class RoomEventWriter(OutboxSignal signal, TimeProvider time)
{
    public void Add(RoomsDbContext db, RoomEventType type, Room room)
    {
        var now = time.GetUtcNow();
        var evt = new RoomEvent
        {
            EventId = Guid.NewGuid().ToString("N"),
            Type = type,
            OccurredAt = Timestamp.FromDateTimeOffset(now),
            Room = room,
        };
        var activity = Activity.Current;
        db.Outbox.Add(new OutboxRecord
        {
            RoomId = room.Id,
            EventId = evt.EventId,
            EventType = type.ToString(),
            Payload = evt.ToByteArray(),
            TraceParent = activity?.IdFormat == ActivityIdFormat.W3C ? activity.Id : null,
            TraceState = activity?.TraceStateString,
            CreatedAt = now.UtcDateTime,
        });
    }

    public void Committed() => signal.Notify();
}

/// <summary>Wakes the room outbox relay after a commit (a type of its own so a host with several outboxes keeps them apart).</summary>
public sealed class OutboxSignal : Live.Outbox.OutboxSignal;
