using System.Buffers.Binary;
using System.Diagnostics;
using Google.Protobuf;
using Live.MessageService.Relay;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.V1;

namespace Live.MessageService.Fanout;

/// <summary>
/// Flushes one room: samples a hot room's danmaku, encodes one batch frame (and compresses it once), hands the
/// same bytes to every subscribed Edge stream, then the room's controls. An epoch change goes first: the old
/// epoch's batch and controls, then its announcement. Owned by the flushing loop, which is its only caller:
/// it reuses one encoder and one sampling buffer for every room.
/// </summary>
public sealed class FeedFlusher(MessageOptions settings, MessageMetrics metrics, TimeProvider time) : IDisposable
{
    private readonly BatchEncoder encoder = new(settings.CompressionThreshold);
    private readonly PooledBufferWriter sampled = new(settings.MaxBatchBytes);

    public void Flush(RoomFeed feed)
    {
        var hasBatch = feed.TryTake(out var frames, out var messages, out var targets, out var boundary);
        var batchMessages = hasBatch ? messages.Count : 0;
        if (boundary is not null)
        {
            FlushBatch(feed, boundary.Frames, boundary.Messages, targets);
            Send(boundary.Controls, targets);
            Send(boundary.Announcement, targets);
        }

        if (hasBatch)
        {
            FlushBatch(feed, frames, messages, targets);
        }

        // After the batch: a control names a message that is in this batch or an earlier one.
        Send(feed.TakeControls(), feed.Subscribers);
        HoldIfBusy(feed, batchMessages);
    }

    /// <summary>
    /// A busy room's window: <see cref="MessageOptions.HotBatchWindowMs"/>, longer for a large audience on one Edge
    /// (ADR 0017) — that Edge writes the room's frames to every one of its viewers, audience × 1000 / window a second.
    /// </summary>
    internal static int BusyRoomWindowMs(int largestEdgeAudience, MessageOptions settings) =>
        (int)Math.Clamp(largestEdgeAudience * 1000L / settings.BusyRoomFramesPerSecondPerEdge, settings.HotBatchWindowMs,
            Math.Max(settings.HotBatchWindowMs, settings.MaxBatchWindowMs));

    private void HoldIfBusy(RoomFeed feed, int batchMessages)
    {
        var window = settings.BatchWindowMs;
        if (batchMessages >= settings.HotBatchMessages)
        {
            var largest = 0;
            foreach (var subscriber in feed.Subscribers)
            {
                largest = Math.Max(largest, subscriber.AudienceIn(feed.RoomId));
            }

            window = BusyRoomWindowMs(largest, settings);
            metrics.BusyRoomWindow(window);
        }

        // Held until half a tick of the flushing loop before the window ends, so that the tick nearest to its end takes it.
        feed.HoldNextBatchUntil(window > settings.BatchWindowMs
            ? time.GetTimestamp() + (window - settings.BatchWindowMs / 2) * time.TimestampFrequency / 1000
            : 0);
    }

    public void Dispose()
    {
        encoder.Dispose();
        sampled.Dispose();
    }

    private static void Send(IReadOnlyList<RelayDown>? controls, EdgeSession[] targets)
    {
        if (controls is null)
        {
            return;
        }

        foreach (var control in controls)
        {
            foreach (var target in targets)
            {
                target.Enqueue(control);
            }
        }
    }

    /// <summary>Encodes and hands out one taken batch, then gives its buffers back to the feed.</summary>
    private void FlushBatch(RoomFeed feed, PooledBufferWriter frames, List<PendingMessage> messages, EdgeSession[] targets)
    {
        try
        {
            if (targets.Length == 0 || messages.Count == 0)
            {
                return;
            }

            var danmaku = 0;
            foreach (var message in messages)
            {
                danmaku += message.IsPriority ? 0 : 1;
            }

            var budget = feed.Sampler.Budget(danmaku, Stopwatch.GetTimestamp());
            var payload = frames.WrittenSpan;
            var kept = messages.Count;
            var hasPriority = danmaku < messages.Count;
            if (budget < danmaku)
            {
                payload = Sample(frames, messages, danmaku, budget, sampled, out kept);
            }

            var encoded = encoder.Encode(feed.RoomId, time.GetUtcNow().ToUnixTimeMilliseconds(), messages[0].Seq, messages[^1].Seq,
                kept, danmaku - budget, payload);
            metrics.Batch(kept, danmaku - budget);
            var down = new RelayDown
            {
                Batch = new RoomBatch
                {
                    RoomId = feed.RoomId,
                    FirstSeq = messages[0].Seq,
                    LastSeq = messages[^1].Seq,
                    Frame = UnsafeByteOperations.UnsafeWrap(encoded.Frame),
                    CompressedFrame = encoded.CompressedFrame is null ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(encoded.CompressedFrame),
                    HasPriority = hasPriority,
                    MessageCount = kept,
                    OldestAcceptedMs = BinaryPrimitives.ReadInt64BigEndian(frames.WrittenSpan[(messages[0].Offset + FrameLayout.TimestampOffset)..]),
                },
            };
            foreach (var target in targets)
            {
                target.Enqueue(down);
            }

            metrics.RelayBatchesSent(targets.Length);
        }
        finally
        {
            feed.Recycle(frames, messages);
        }
    }

    private static ReadOnlySpan<byte> Sample(PooledBufferWriter frames, List<PendingMessage> messages, int danmaku, int budget,
        PooledBufferWriter output, out int kept)
    {
        output.Reset();
        kept = 0;
        var danmakuIndex = 0;
        foreach (var message in messages)
        {
            var keep = message.IsPriority || DisplaySampler.Keeps(danmakuIndex, danmaku, budget);
            danmakuIndex += message.IsPriority ? 0 : 1;
            if (keep)
            {
                var span = frames.WrittenSpan.Slice(message.Offset, message.Length);
                span.CopyTo(output.GetSpan(span.Length));
                output.Advance(span.Length);
                kept++;
            }
        }

        return output.WrittenSpan;
    }
}
