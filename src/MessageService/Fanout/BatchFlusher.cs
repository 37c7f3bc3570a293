using System.Buffers.Binary;
using System.Diagnostics;
using Google.Protobuf;
using Live.MessageService.Relay;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.V1;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Fanout;

/// <summary>
/// The one loop that turns each room's pending messages into a batch every window: samples hot rooms,
/// encodes one batch frame (and compresses it once), and hands the same bytes to every subscribed Edge stream.
/// </summary>
public sealed class BatchFlusher(RoomHub hub, IOptions<MessageOptions> options, MessageMetrics metrics, TimeProvider time) : BackgroundService
{
    private readonly MessageOptions settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var encoder = new BatchEncoder(settings.CompressionThreshold);
        using var sampled = new PooledBufferWriter(settings.MaxBatchBytes);
        var window = TimeSpan.FromMilliseconds(settings.BatchWindowMs);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await hub.WaitForFlushAsync(window, stoppingToken);
                for (var n = hub.Dirty.Count; n > 0 && hub.Dirty.TryDequeue(out var feed); n--)
                {
                    Flush(feed, encoder, sampled);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; Edges resume from history on their next node.
        }
    }

    private void Flush(RoomFeed feed, BatchEncoder encoder, PooledBufferWriter sampled)
    {
        FlushBatch(feed, encoder, sampled);
        if (feed.TakeControls() is { } controls)
        {
            // After the batch: a control names a message that is in this batch or an earlier one.
            var targets = feed.Subscribers;
            foreach (var control in controls)
            {
                foreach (var target in targets)
                {
                    target.Enqueue(control);
                }
            }
        }
    }

    private void FlushBatch(RoomFeed feed, BatchEncoder encoder, PooledBufferWriter sampled)
    {
        if (!feed.TryTake(out var frames, out var messages, out var targets))
        {
            return;
        }

        try
        {
            if (targets.Length == 0)
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
