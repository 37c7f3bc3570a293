using Live.Edge.Connections;
using Live.Protocol;
using Live.V1;

namespace Live.Edge.Rooms;

/// <summary>
/// A room as this Edge sees it: its local connections, spread over writer shards (<see cref="RoomShard"/>), whether
/// its relay subscription is confirmed, the room's current epoch and the last seq delivered here in it. The thread
/// that delivers a frame writes it to the room's connections; with several writers (Edge:FanoutWriters) a room of
/// at least <see cref="EdgeOptions.ParallelFanoutMinConnections"/> connections is written by that thread and
/// thread-pool workers side by side, one per shard.
/// </summary>
public sealed class LocalRoom
{
    private readonly Lock gate = new();
    private readonly Dictionary<long, int> connectionsPerUser = [];
    private readonly RoomShard[] shards;
    private readonly int parallelFrom;
    private TaskCompletionSource<StreamPosition> subscribed = NewSubscription();
    private int connectionCount;
    private long lastDeliveredSeq;
    private long epoch;
    private long onlineCount = -1;
    private int signedInUsers;

    public LocalRoom(long roomId, int writers, int parallelFanoutMinConnections, int maxQueuedFramesPerWriter, ILogger logger)
    {
        RoomId = roomId;
        shards = new RoomShard[writers];
        for (var i = 0; i < shards.Length; i++)
        {
            shards[i] = new RoomShard(roomId, maxQueuedFramesPerWriter, logger);
        }

        parallelFrom = parallelFanoutMinConnections;
    }

    public long RoomId { get; }

    public int ConnectionCount => Volatile.Read(ref connectionCount);

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
        RoomShard shard;
        bool first, firstOfUser;
        lock (gate)
        {
            // Under the lock that orders frames into the shards: the position and the first frame the connection
            // gets from its shard are the same point in the room's stream.
            connection.Joined = subscribed.Task.IsCompletedSuccessfully ? new StreamPosition(lastDeliveredSeq, epoch) : null;
            connection.RoomShardIndex = SmallestShard();
            shard = shards[connection.RoomShardIndex];
            shard.PostJoin(connection);
            first = ++connectionCount == 1;
            var ofUser = connectionsPerUser.GetValueOrDefault(connection.Identity.UserId) + 1;
            connectionsPerUser[connection.Identity.UserId] = ofUser;
            firstOfUser = ofUser == 1;
            if (firstOfUser && !connection.Identity.IsGuest)
            {
                signedInUsers++;
            }
        }

        // Not on this thread: it may hold the registry's lock, and the shard's queue may hold frames to write.
        shard.Run(here: false);
        return (first, firstOfUser);
    }

    /// <returns>Whether the room has no connection left, and whether this was the user's last one here.</returns>
    public (bool Empty, bool LastOfUser) Remove(EdgeConnection connection)
    {
        RoomShard shard;
        bool empty, lastOfUser;
        lock (gate)
        {
            shard = shards[connection.RoomShardIndex];
            shard.PostLeave(connection);
            empty = --connectionCount == 0;
            var ofUser = connectionsPerUser.GetValueOrDefault(connection.Identity.UserId) - 1;
            lastOfUser = ofUser <= 0;
            if (lastOfUser)
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
        }

        shard.Run(here: false);
        return (empty, lastOfUser);
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
        var announced = FrameWriter.ReadUserId(resumeFrame.Span);
        lock (gate)
        {
            // Every replacement makes a new epoch, so an announcement of the one the room is already in is a late
            // copy (on Redis Cluster a new subscription can receive what was published just before it): taken as
            // news it would move viewers back to its start and repeat what they have.
            if (subscribed.Task.IsCompletedSuccessfully && announced == epoch)
            {
                return;
            }

            epoch = announced;
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

        lock (gate)
        {
            foreach (var shard in shards)
            {
                shard.PostGoingAway();
            }
        }

        RunShards();
    }

    /// <summary>One batch from the relay, written (the same object, the same bytes) to every local connection.</summary>
    public void Deliver(RoomBatch batch) =>
        Deliver(new OutgoingFrame(batch.Frame.Memory, batch.CompressedFrame.Memory,
            batch.FirstSeq, batch.LastSeq, isBatch: true, hasPriority: batch.HasPriority));

    public void Deliver(OutgoingFrame frame)
    {
        foreach (var shard in shards)
        {
            shard.WaitForRoom();
        }

        lock (gate)
        {
            foreach (var shard in shards)
            {
                // An empty shard gets nothing: a connection joining it later starts after this frame anyway.
                if (shard.Size > 0)
                {
                    shard.PostFrame(frame);
                }
            }

            if (frame.IsBatch && frame.LastSeq > lastDeliveredSeq)
            {
                Volatile.Write(ref lastDeliveredSeq, frame.LastSeq);
            }
        }

        RunShards();
    }

    /// <summary>Sends the current viewer count to every connection (dropped for slow readers like danmaku).</summary>
    public void PushOnlineCount()
    {
        var count = OnlineCount;
        if (count < 0 || ConnectionCount == 0)
        {
            return;
        }

        Deliver(new OutgoingFrame(FrameWriter.EncodeControl(FrameType.OnlineCount, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RoomId, count),
            default, 0, 0, isBatch: false, hasPriority: false));
    }

    /// <summary>The first shard on this thread; the others here too for a small room, else on workers.</summary>
    private void RunShards()
    {
        var parallel = ConnectionCount >= parallelFrom;
        for (var i = 0; i < shards.Length; i++)
        {
            shards[i].Run(here: i == 0 || !parallel);
        }
    }

    /// <summary>Called under <see cref="gate"/>.</summary>
    private int SmallestShard()
    {
        var smallest = 0;
        for (var i = 1; i < shards.Length; i++)
        {
            if (shards[i].Size < shards[smallest].Size)
            {
                smallest = i;
            }
        }

        return smallest;
    }

    private static TaskCompletionSource<StreamPosition> NewSubscription() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
