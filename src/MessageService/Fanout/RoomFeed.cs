using System.Buffers;
using Google.Protobuf;
using Live.MessageService.Relay;
using Live.Protocol;
using Live.V1;
using StackExchange.Redis;

namespace Live.MessageService.Fanout;

/// <summary>
/// One room on this node: the Edge streams subscribed to it, its Redis subscription, and the batch being
/// collected. Frames are appended as they arrive from pub/sub; the flushing loop swaps the pending buffer
/// for a spare under the lock and encodes outside it. Control frames (deletes) wait for the same flush and
/// go out after its batch, so a delete never overtakes the message it removes. The feed also keeps the
/// room's epoch and the highest seq it forwarded in it (ADR 0007): a seq at or below that one means the stream
/// went backwards. From that frame on, frames are held (up to <paramref name="maxHeldBytes"/>) until the
/// announcement of the next epoch arrives: they are that epoch's, and go out right after it. A new feed starts
/// at the position read when it subscribed (<see cref="LearnPosition"/>), so even its first frame shows a gap.
/// </summary>
public sealed class RoomFeed(long roomId, DisplaySampler sampler, int maxHeldBytes) : IDisposable
{
    private readonly Lock gate = new();
    private EdgeSession[] subscribers = [];
    private PooledBufferWriter pending = new(4096);
    private List<PendingMessage> pendingMessages = [];
    private PooledBufferWriter? spare;
    private List<PendingMessage>? spareMessages;
    private List<RelayDown>? pendingControls;
    private EpochBoundary? boundary;
    private long epoch;
    private long highestSeq;
    private long completeFrom;
    private long inFlightUpTo;
    private bool regressing;
    private bool askAgain;
    private PooledBufferWriter? held;
    private List<PendingMessage>? heldMessages;
    private long firstHeldSeq;
    private bool heldOverflowed;
    private bool dirty;
    private long notBefore;
    private bool closed;
    private bool broken;

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

    /// <summary>The epoch this feed forwards (0 until known).</summary>
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

    /// <summary>
    /// The room's position read from Redis once the subscription was active (0: none); an announcement that came
    /// first wins. Every seq above <paramref name="knownSeq"/> is published after the subscription, so this feed must
    /// see the next one: a feed that has taken nothing yet starts there, and the frames at or below it that still
    /// arrive (published before the read, in flight) are dropped, not taken as the stream going backwards — every
    /// Edge stream starts after them. A later read (another Edge stream) only checks. Returns false when the first
    /// frame this feed took already skipped past the next one: frames were lost before it, and the feed takes
    /// nothing more (as for a gap).
    /// </summary>
    public bool LearnPosition(long knownEpoch, long knownSeq)
    {
        lock (gate)
        {
            if (epoch == 0)
            {
                epoch = knownEpoch;
            }

            if (closed || broken || regressing || epoch != knownEpoch)
            {
                return !broken;
            }

            if (completeFrom == 0)
            {
                (highestSeq, inFlightUpTo, completeFrom) = (knownSeq, knownSeq, knownSeq + 1);
                return true;
            }

            broken = completeFrom > knownSeq + 1;
            return !broken;
        }
    }

    /// <summary>
    /// Adds a published frame. Returns whether the room just became dirty (must be queued for flushing).
    /// <paramref name="regressed"/> is true for the first frame whose seq is not above the highest forwarded in
    /// this epoch (and for the next one after a replacement that did not resolve): the caller has the epoch
    /// replaced. Until its announcement arrives, frames are held for the new epoch. <paramref name="gapped"/> is true
    /// when the seq skips past the next one in this epoch: frames were lost on the way to this node, and from then on
    /// the feed takes nothing more (what it had before the gap still goes out).
    /// </summary>
    public bool Append(ReadOnlySpan<byte> frame, long seq, bool isPriority, out int pendingBytes, out bool regressed, out bool gapped)
    {
        lock (gate)
        {
            pendingBytes = 0;
            regressed = false;
            gapped = false;
            if (closed || broken || (!regressing && seq <= inFlightUpTo))
            {
                return false;
            }

            // The script that numbers a room's messages also publishes them, so within an epoch the channel carries
            // every seq in order: a skipped one was published while this node's subscription was not listening.
            // Nothing from the gap on goes out through this feed (a viewer would skip the missing seqs silently):
            // its node drops it and the viewers resume from history.
            if (!regressing && highestSeq > 0 && seq > highestSeq + 1)
            {
                broken = true;
                gapped = true;
                return false;
            }

            if (!regressing && seq <= highestSeq)
            {
                regressing = true;
                regressed = true;
                firstHeldSeq = seq;
            }

            if (regressing)
            {
                regressed |= askAgain;
                askAgain = false;
                Hold(frame, seq, isPriority);
                return false;
            }

            highestSeq = seq;
            completeFrom = completeFrom == 0 ? seq : completeFrom;
            inFlightUpTo = 0;
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

    /// <summary>Replacing the epoch failed (or the room's state is gone): the next frame asks again; frames stay held.</summary>
    public void RegressionUnresolved()
    {
        lock (gate)
        {
            askAgain = regressing;
        }
    }

    /// <summary>
    /// A frame of the epoch to come; past the cap it is dropped and the announcement says so. So is every frame from
    /// one that does not follow the last held: a lost frame, or one of another lineage (a demoted master that still
    /// took writes for a moment beside the promoted one) would show as a silent gap or a repeat in the new epoch.
    /// </summary>
    private void Hold(ReadOnlySpan<byte> frame, long seq, bool isPriority)
    {
        held ??= new PooledBufferWriter(Math.Min(4096, maxHeldBytes));
        heldMessages ??= [];
        if (heldOverflowed || held.WrittenCount + frame.Length > maxHeldBytes || (heldMessages.Count > 0 && seq != heldMessages[^1].Seq + 1))
        {
            heldOverflowed = true;
            return;
        }

        heldMessages.Add(new PendingMessage(held.WrittenCount, frame.Length, seq, isPriority));
        held.Write(frame);
    }

    /// <summary>
    /// An epoch announcement from the channel: unless it names the epoch in force, what is pending goes into an
    /// <see cref="EpochBoundary"/> followed by a not-recovered frame (seq slot: the highest seq forwarded in the
    /// old epoch) and a resume frame, both with the new epoch in the user id slot. The resume frame's seq slot is
    /// <paramref name="startsAfter"/>, or the seq before the first held frame when frames were held since a
    /// regression: those are the new epoch's, published before the announcement, and become the start of the
    /// next batch. Held frames that did not all fit are dropped and told as not recovered in the new epoch.
    /// Returns whether the room just became dirty.
    /// </summary>
    public bool ChangeEpoch(long newEpoch, long startsAfter, long timestampMs)
    {
        lock (gate)
        {
            if (closed || newEpoch == epoch)
            {
                return false;
            }

            if (boundary is null)
            {
                // Epoch 0 is a feed that never knew one (a seq key from before epochs): an epoch whose seqs
                // continue past what was forwarded lost nothing of it.
                var lostUpTo = epoch == 0 && startsAfter >= highestSeq ? 0 : highestSeq;
                boundary = new EpochBoundary(pending, pendingMessages, pendingControls) { LostUpTo = lostUpTo };
                pending = spare ?? new PooledBufferWriter(4096);
                pendingMessages = spareMessages ?? [];
                spare = null;
                spareMessages = null;
            }
            else
            {
                // A second change before the flush: the epoch between was never shown, so what came in it is
                // dropped and the connections go from the epoch they knew straight to this one.
                pending.Reset();
                pendingMessages.Clear();
            }

            pendingControls = null;
            var resumeAt = startsAfter;
            RelayDown? heldLost = null;
            var lastHeld = heldMessages is { Count: > 0 } ? heldMessages[^1].Seq : 0;
            if (regressing && firstHeldSeq <= startsAfter)
            {
                resumeAt = firstHeldSeq - 1;
                if (!heldOverflowed && lastHeld == startsAfter)
                {
                    (pending, held) = (held!, pending);
                    (pendingMessages, heldMessages) = (heldMessages!, pendingMessages);
                }
                else
                {
                    heldLost = Control(FrameType.NotRecovered, timestampMs, newEpoch, startsAfter, EpochBoundary.HeldLostReason(resumeAt, startsAfter));
                }
            }

            DropHeld();
            boundary.Announcement = heldLost is null
                ? [Control(FrameType.NotRecovered, timestampMs, newEpoch, boundary.LostUpTo, EpochBoundary.LostReason(boundary.LostUpTo, newEpoch)),
                    Control(FrameType.Resume, timestampMs, newEpoch, resumeAt, null)]
                : [Control(FrameType.NotRecovered, timestampMs, newEpoch, boundary.LostUpTo, EpochBoundary.LostReason(boundary.LostUpTo, newEpoch)),
                    Control(FrameType.Resume, timestampMs, newEpoch, resumeAt, null), heldLost];
            epoch = newEpoch;
            highestSeq = Math.Max(startsAfter, pendingMessages.Count > 0 ? pendingMessages[^1].Seq : 0);
            completeFrom = resumeAt + 1;
            inFlightUpTo = 0;
            regressing = false;
            askAgain = false;
            var becameDirty = !dirty;
            dirty = true;
            return becameDirty;
        }
    }

    /// <summary>Forgets what was held, buffer included: regressions are rare, and most rooms never hold anything.</summary>
    private void DropHeld()
    {
        held?.Dispose();
        held = null;
        heldMessages = null;
        heldOverflowed = false;
        firstHeldSeq = 0;
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

    /// <summary>
    /// Takes the pending batch and the subscribers it goes to; false when there is no batch to send. An epoch
    /// boundary, when there is one, is taken with it (it goes out first) whatever the result.
    /// </summary>
    public bool TryTake(out PooledBufferWriter frames, out List<PendingMessage> messages, out EdgeSession[] targets, out EpochBoundary? epochBoundary)
    {
        lock (gate)
        {
            dirty = false;
            frames = pending;
            messages = pendingMessages;
            targets = subscribers;
            epochBoundary = boundary;
            boundary = null;
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

    /// <summary>Whether the flushing loop takes the room's batch at <paramref name="now"/>: its window is over, or the batch is full.</summary>
    public bool IsDue(long now, int fullBytes)
    {
        lock (gate)
        {
            return now >= notBefore || pending.WrittenCount >= fullBytes || boundary is not null;
        }
    }

    /// <summary>The room's next batch is not taken before <paramref name="timestamp"/> (0: at the next flush).</summary>
    public void HoldNextBatchUntil(long timestamp) => Volatile.Write(ref notBefore, timestamp);

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
            boundary?.Frames.Dispose();
            boundary = null;
            held?.Dispose();
            held = null;
            pending.Dispose();
            spare?.Dispose();
            spare = null;
        }
    }

    private RelayDown Control(FrameType type, long timestampMs, long newEpoch, long seq, string? content) => new()
    {
        Control = new RoomControl
        {
            RoomId = RoomId,
            Frame = UnsafeByteOperations.UnsafeWrap(FrameWriter.EncodeMessage(type, timestampMs, newEpoch, RoomId, seq, null, content, null)),
        },
    };
}
