using Live.Edge.Connections;
using Live.Protocol;
using Live.V1;

namespace Live.Edge.Rooms;

/// <summary>
/// A room as this Edge sees it: its local connections (a copy-on-write array, so fan-out iterates without a
/// lock), whether its relay subscription is confirmed, the room's current epoch and the last seq delivered
/// here in it.
/// </summary>
public sealed class LocalRoom(long roomId)
{
    private readonly Lock gate = new();
    private readonly Dictionary<long, int> connectionsPerUser = [];
    private EdgeConnection[] connections = [];
    private TaskCompletionSource<StreamPosition> subscribed = NewSubscription();
    private long lastDeliveredSeq;
    private long epoch;
    private long onlineCount = -1;
    private int signedInUsers;

    public long RoomId { get; } = roomId;

    public EdgeConnection[] Connections => Volatile.Read(ref connections);

    public long LastDeliveredSeq => Volatile.Read(ref lastDeliveredSeq);

    /// <summary>The epoch the room's live traffic here is in (from the subscription, then from announcements).</summary>
    public long Epoch
    {
        get
        {
            lock (gate)
            {
                return epoch;
            }
        }
    }

    /// <summary>Completes with the position after which this Edge's live traffic for the room is complete.</summary>
    public Task<StreamPosition> Subscribed
    {
        get
        {
            lock (gate)
            {
                return subscribed.Task;
            }
        }
    }

    /// <summary>The room's viewer count as RoomService last reported it; -1 until known.</summary>
    public long OnlineCount
    {
        get => Volatile.Read(ref onlineCount);
        set => Volatile.Write(ref onlineCount, value);
    }

    /// <summary>Distinct signed-in users connected here: RoomService's count for the room can never be lower.</summary>
    public int SignedInUsers => Volatile.Read(ref signedInUsers);

    /// <summary>Adds the ids of the signed-in users connected here to <paramref name="into"/>.</summary>
    public void CopySignedInUsers(List<long> into)
    {
        lock (gate)
        {
            foreach (var userId in connectionsPerUser.Keys)
            {
                // Guests have ids of their own below 0; RoomService's sets hold signed-in users only.
                if (userId > 0)
                {
                    into.Add(userId);
                }
            }
        }
    }

    public bool HasUser(long userId)
    {
        lock (gate)
        {
            return connectionsPerUser.ContainsKey(userId);
        }
    }

    /// <returns>Whether this is the first connection of the room, and the first of this user in it.</returns>
    public (bool FirstConnection, bool FirstOfUser) Add(EdgeConnection connection)
    {
        lock (gate)
        {
            connection.Joined = subscribed.Task.IsCompletedSuccessfully ? new StreamPosition(lastDeliveredSeq, epoch) : null;
            connections = [.. connections, connection];
            var ofUser = connectionsPerUser.GetValueOrDefault(connection.Identity.UserId) + 1;
            connectionsPerUser[connection.Identity.UserId] = ofUser;
            if (ofUser == 1 && !connection.Identity.IsGuest)
            {
                signedInUsers++;
            }

            return (connections.Length == 1, ofUser == 1);
        }
    }

    /// <returns>Whether the room has no connection left, and whether this was the user's last one here.</returns>
    public (bool Empty, bool LastOfUser) Remove(EdgeConnection connection)
    {
        lock (gate)
        {
            connections = Array.FindAll(connections, c => c != connection);
            var ofUser = connectionsPerUser.GetValueOrDefault(connection.Identity.UserId) - 1;
            if (ofUser <= 0)
            {
                if (connectionsPerUser.Remove(connection.Identity.UserId) && !connection.Identity.IsGuest)
                {
                    signedInUsers--;
                }
            }
            else
            {
                connectionsPerUser[connection.Identity.UserId] = ofUser;
            }

            return (connections.Length == 0, ofUser <= 0);
        }
    }

    /// <summary>The relay confirmed the subscription: live traffic is complete from <paramref name="latestSeq"/> + 1 in <paramref name="streamEpoch"/>.</summary>
    public void OnSubscribed(long latestSeq, long streamEpoch)
    {
        lock (gate)
        {
            if (subscribed.Task.IsCompleted)
            {
                return;
            }

            lastDeliveredSeq = streamEpoch == epoch ? Math.Max(lastDeliveredSeq, latestSeq) : latestSeq;
            epoch = streamEpoch;
            subscribed.SetResult(new StreamPosition(lastDeliveredSeq, epoch));
        }
    }

    /// <summary>
    /// An epoch change from the relay, as two room controls: the not-recovered frame, then the resume frame whose
    /// user id slot is the new epoch and seq slot the seq it starts after. Joiners from now on start there.
    /// </summary>
    public void OnEpochChanged(ReadOnlyMemory<byte> resumeFrame)
    {
        var startsAfter = FrameWriter.ReadSeq(resumeFrame.Span);
        lock (gate)
        {
            epoch = FrameWriter.ReadUserId(resumeFrame.Span);
            Volatile.Write(ref lastDeliveredSeq, startsAfter);
        }

        Deliver(OutgoingFrame.EpochResume(resumeFrame, startsAfter));
    }

    /// <summary>
    /// The relay stream carrying this room broke, so live traffic has a hole. Clients are closed with 1001 and
    /// resume with last_seq from history (in order, no duplicates); new joiners wait for the resubscription.
    /// </summary>
    public void OnRelayLost()
    {
        lock (gate)
        {
            if (subscribed.Task.IsCompleted)
            {
                subscribed = NewSubscription();
            }
        }

        foreach (var connection in Connections)
        {
            connection.RequestClose(CloseCodes.GoingAway, "lost the message stream; reconnect with last_seq");
        }
    }

    /// <summary>One batch from the relay, written (the same object, the same bytes) to every local connection.</summary>
    public void Deliver(RoomBatch batch) =>
        Deliver(new OutgoingFrame(batch.Frame.Memory, batch.CompressedFrame.Memory,
            batch.FirstSeq, batch.LastSeq, isBatch: true, hasPriority: batch.HasPriority));

    public void Deliver(OutgoingFrame frame)
    {
        foreach (var connection in Connections)
        {
            connection.Deliver(frame);
        }

        if (frame.IsBatch && frame.LastSeq > LastDeliveredSeq)
        {
            Volatile.Write(ref lastDeliveredSeq, frame.LastSeq);
        }
    }

    /// <summary>Sends the current viewer count to every connection (dropped for slow readers like danmaku).</summary>
    public void PushOnlineCount()
    {
        var count = OnlineCount;
        if (count < 0 || Connections.Length == 0)
        {
            return;
        }

        var frame = new OutgoingFrame(FrameWriter.EncodeControl(FrameType.OnlineCount, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RoomId, count),
            default, 0, 0, isBatch: false, hasPriority: false);
        foreach (var connection in Connections)
        {
            connection.Deliver(frame);
        }
    }

    private static TaskCompletionSource<StreamPosition> NewSubscription() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
