using System.Collections.Concurrent;
using Live.Edge.Connections;
using Live.Edge.Telemetry;
using Live.Protocol;

namespace Live.Edge.Rooms;

/// <summary>
/// A part of a room's connections and the one writer that hands the room's frames to them. Joins and leaves
/// travel through the same queue as frames, so a connection sees exactly the frames posted after its join, a
/// join or leave costs O(1) whatever the audience, and no array is copied per join. One thread at a time drains
/// the queue: whoever finds it idle, either the poster itself or a thread-pool worker it schedules. The queue
/// holds at most a bound of frames not yet handed on (see <see cref="WaitForRoom"/>).
/// </summary>
internal sealed class RoomShard(long roomId, int maxQueuedFrames, ILogger logger) : IThreadPoolWorkItem
{
    private readonly ConcurrentQueue<ShardWork> work = new();

    /// <summary>Touched only by the thread draining the queue.</summary>
    private readonly List<EdgeConnection> connections = [];
    private int draining;
    private int queuedFrames;

    /// <summary>Connections as posted (joins minus leaves), which the queue may not have applied yet.</summary>
    public int Size { get; private set; }

    /// <summary>Queues a join; the caller serializes posts to one shard (the room's lock).</summary>
    public void PostJoin(EdgeConnection connection)
    {
        Size++;
        work.Enqueue(new ShardWork(ShardWorkKind.Join, connection, null));
    }

    public void PostLeave(EdgeConnection connection)
    {
        Size--;
        work.Enqueue(new ShardWork(ShardWorkKind.Leave, connection, null));
    }

    public void PostFrame(OutgoingFrame frame)
    {
        Interlocked.Increment(ref queuedFrames);
        work.Enqueue(new ShardWork(ShardWorkKind.Frame, null, frame));
    }

    /// <summary>
    /// Returns once the shard holds fewer than its bound of frames. A shard that cannot keep up holds up the thread
    /// delivering to it, as writing inline would: the relay stream stops reading, and MessageService's bounded
    /// queue for it takes over (docs/realtime.md). Waits only while a writer is at work on this shard.
    /// </summary>
    public void WaitForRoom()
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref queuedFrames) >= maxQueuedFrames)
        {
            spin.SpinOnce(sleep1Threshold: 20);
        }
    }

    public void PostGoingAway() => work.Enqueue(new ShardWork(ShardWorkKind.GoingAway, null, null));

    /// <summary>Makes sure what was posted gets applied: here and now when <paramref name="here"/> and the shard is idle, else by a worker.</summary>
    public void Run(bool here)
    {
        if (Interlocked.CompareExchange(ref draining, 1, 0) != 0)
        {
            // The thread draining now re-checks the queue before it lets go, so what was posted is not stranded.
            return;
        }

        if (here)
        {
            Drain();
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute() => Drain();

    private void Drain()
    {
        while (true)
        {
            while (work.TryDequeue(out var item))
            {
                Apply(item);
            }

            Volatile.Write(ref draining, 0);
            if (work.IsEmpty || Interlocked.CompareExchange(ref draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private void Apply(ShardWork item)
    {
        switch (item.Kind)
        {
            case ShardWorkKind.Frame:
                foreach (var connection in connections)
                {
                    try
                    {
                        connection.Deliver(item.Frame!);
                    }
                    catch (Exception ex)
                    {
                        // On a worker thread an escaping exception would end the process; one broken connection must
                        // not stop the shard either.
                        Log.FanoutFailed(logger, roomId, connection.Id, ex);
                        connection.RequestClose(CloseCodes.GoingAway, "internal error; reconnect with last_seq");
                    }
                }

                Interlocked.Decrement(ref queuedFrames);
                break;
            case ShardWorkKind.Join:
                item.Connection!.RoomSlot = connections.Count;
                connections.Add(item.Connection);
                break;
            case ShardWorkKind.Leave:
                var slot = item.Connection!.RoomSlot;
                var last = connections[^1];
                connections[slot] = last;
                last.RoomSlot = slot;
                connections.RemoveAt(connections.Count - 1);
                break;
            case ShardWorkKind.GoingAway:
                foreach (var connection in connections)
                {
                    connection.RequestClose(CloseCodes.GoingAway, "lost the message stream; reconnect with last_seq");
                }

                break;
        }
    }

    private enum ShardWorkKind : byte
    {
        Frame,
        Join,
        Leave,
        GoingAway,
    }

    private readonly record struct ShardWork(ShardWorkKind Kind, EdgeConnection? Connection, OutgoingFrame? Frame);
}
