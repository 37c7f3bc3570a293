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

/// <summary>Wakes the relay as soon as an event commits, so publishing does not wait for the next poll.</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim pending = new(0, 1);

    public void Notify()
    {
        if (pending.CurrentCount == 0)
        {
            try
            {
                pending.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit already woke the relay.
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => pending.WaitAsync(timeout, ct);
}
