using System.Buffers;
using Live.MessageService.Relay;
using Live.Protocol;
using Live.V1;
using StackExchange.Redis;

namespace Live.MessageService.Fanout;

/// <summary>A message waiting in a room's pending batch: where its frame is in the buffer, and what it is.</summary>
public readonly record struct PendingMessage(int Offset, int Length, long Seq, bool IsPriority);

/// <summary>
/// One room on this node: the Edge streams subscribed to it, its Redis subscription, and the batch being
/// collected. Frames are appended as they arrive from pub/sub; the flushing loop swaps the pending buffer
/// for a spare under the lock and encodes outside it. Control frames (deletes) wait for the same flush and
/// go out after its batch, so a delete never overtakes the message it removes.
/// </summary>
public sealed class RoomFeed(long roomId, DisplaySampler sampler) : IDisposable
{
    private readonly Lock gate = new();
    private EdgeSession[] subscribers = [];
    private PooledBufferWriter pending = new(4096);
    private List<PendingMessage> pendingMessages = [];
    private PooledBufferWriter? spare;
    private List<PendingMessage>? spareMessages;
    private List<RelayDown>? pendingControls;
    private bool dirty;
    private bool closed;

    public long RoomId { get; } = roomId;

    /// <summary>Used only by the flushing loop.</summary>
    public DisplaySampler Sampler { get; } = sampler;

    public ChannelMessageQueue? Subscription { get; set; }

    /// <summary>The Edge streams subscribed now (a copy-on-write array, safe to iterate).</summary>
    public EdgeSession[] Subscribers => Volatile.Read(ref subscribers);

    public int AddSubscriber(EdgeSession session)
    {
        lock (gate)
        {
            subscribers = [.. subscribers, session];
            return subscribers.Length;
        }
    }

    public int RemoveSubscriber(EdgeSession session)
    {
        lock (gate)
        {
            subscribers = Array.FindAll(subscribers, s => s != session);
            return subscribers.Length;
        }
    }

    /// <summary>Adds a published frame. Returns whether the room just became dirty (must be queued for flushing).</summary>
    public bool Append(ReadOnlySpan<byte> frame, long seq, bool isPriority, out int pendingBytes)
    {
        lock (gate)
        {
            pendingBytes = 0;
            if (closed)
            {
                return false;
            }

            var offset = pending.WrittenCount;
            pending.Write(frame);
            pendingMessages.Add(new PendingMessage(offset, frame.Length, seq, isPriority));
            pendingBytes = pending.WrittenCount;
            var becameDirty = !dirty;
            dirty = true;
            return becameDirty;
        }
    }

    /// <summary>Queues a control for the next flush. Returns whether the room just became dirty.</summary>
    public bool AppendControl(RelayDown control)
    {
        lock (gate)
        {
            if (closed)
            {
                return false;
            }

            // Deletes are rare and small; a list of them is allocated only when there is one.
            (pendingControls ??= []).Add(control);
            var becameDirty = !dirty;
            dirty = true;
            return becameDirty;
        }
    }

    /// <summary>The controls queued so far (null when none); called by the flushing loop after the batch.</summary>
    public List<RelayDown>? TakeControls()
    {
        lock (gate)
        {
            var controls = pendingControls;
            pendingControls = null;
            return controls;
        }
    }

    /// <summary>Takes the pending batch and the subscribers it goes to; false when there is nothing to send.</summary>
    public bool TryTake(out PooledBufferWriter frames, out List<PendingMessage> messages, out EdgeSession[] targets)
    {
        lock (gate)
        {
            dirty = false;
            frames = pending;
            messages = pendingMessages;
            targets = subscribers;
            if (messages.Count == 0 || closed)
            {
                return false;
            }

            pending = spare ?? new PooledBufferWriter(frames.WrittenCount);
            pendingMessages = spareMessages ?? [];
            spare = null;
            spareMessages = null;
            return true;
        }
    }

    /// <summary>Gives a taken buffer back for the next swap.</summary>
    public void Recycle(PooledBufferWriter frames, List<PendingMessage> messages)
    {
        frames.Reset();
        messages.Clear();
        lock (gate)
        {
            if (!closed && spare is null)
            {
                spare = frames;
                spareMessages = messages;
                return;
            }
        }

        frames.Dispose();
    }

    public void Dispose()
    {
        lock (gate)
        {
            closed = true;
            pending.Dispose();
            spare?.Dispose();
            spare = null;
        }
    }
}
