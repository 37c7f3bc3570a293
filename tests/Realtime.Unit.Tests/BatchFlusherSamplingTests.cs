using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Live.MessageService;
using Live.MessageService.Fanout;
using Live.MessageService.Relay;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace Live.Realtime.Unit.Tests;

/// <summary>The flushing loop's work for one room (<see cref="FeedFlusher"/>): sample, encode once, hand the same bytes to every Edge stream.</summary>
public sealed class BatchFlusherSamplingTests : IDisposable
{
    private readonly TestMeterFactory meters = new();
    private readonly MessageMetrics metrics;
    private readonly MessageOptions options = new() { CompressionThreshold = 64 * 1024 };

    public BatchFlusherSamplingTests() => metrics = new MessageMetrics(meters);

    [Fact]
    public async Task A_hot_room_shows_its_display_budget_of_danmaku_spread_over_the_batch_and_every_gift_and_system_message()
    {
        // 40 danmaku and 4 priority messages in one window; the room shows 10 danmaku a second (a full bucket).
        using var feed = new RoomFeed(TestFrames.RoomId, new DisplaySampler(10, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);
        var sent = new List<(FrameType Type, long Seq, string Content)>();
        for (var seq = 1; seq <= 44; seq++)
        {
            var type = seq % 11 == 0 ? (seq == 22 ? FrameType.System : FrameType.Gift) : FrameType.Danmaku;
            sent.Add((type, seq, "m" + seq));
            feed.Append(TestFrames.Message(type, seq, "m" + seq), seq, type != FrameType.Danmaku, out _, out _, out _);
        }

        var (a, b) = await FlushToTwoEdgesAsync(feed);

        var batch = Assert.Single(a).Batch;
        Assert.Same(batch, Assert.Single(b).Batch);
        Assert.Equal((1L, 44L, 14, true), (batch.FirstSeq, batch.LastSeq, batch.MessageCount, batch.HasPriority));
        Assert.True(batch.CompressedFrame.IsEmpty);

        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(batch.Frame.Span, out var header));
        Assert.Equal((1L, 44L, 14, 30), (header.FirstSeq, header.LastSeq, header.Count, header.SampledOut));

        var danmaku = sent.Where(m => m.Type == FrameType.Danmaku).ToList();
        var expected = sent.Where(m => m.Type != FrameType.Danmaku || DisplaySampler.Keeps(danmaku.IndexOf(m), danmaku.Count, 10)).ToList();
        Assert.Equal(expected, TestFrames.Messages(batch.Frame.Span));
        Assert.Equal(4, expected.Count(m => m.Type != FrameType.Danmaku));
    }

    [Fact]
    public async Task A_quiet_room_gets_every_message_as_appended_and_its_controls_after_the_batch()
    {
        using var feed = new RoomFeed(TestFrames.RoomId, new DisplaySampler(100, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);
        var appended = new ArrayBufferWriter<byte>();
        for (var seq = 1; seq <= 5; seq++)
        {
            var frame = TestFrames.Message(FrameType.Danmaku, seq, "m" + seq);
            appended.Write(frame);
            feed.Append(frame, seq, isPriority: false, out _, out _, out _);
        }

        var delete = new RelayDown { Control = new RoomControl { RoomId = TestFrames.RoomId } };
        feed.AppendControl(delete);
        long relayBatches = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (meters.Meters.Contains(instrument.Meter) && instrument.Name == "live.message.relay.batches")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref relayBatches, value));
        listener.Start();

        var (a, b) = await FlushToTwoEdgesAsync(feed);

        // One batch to two Edge streams is two relay batches (the fan-out factor's numerator); controls are not batches.
        Assert.Equal(2, Interlocked.Read(ref relayBatches));

        foreach (var received in new[] { a, b })
        {
            Assert.Equal([RelayDown.KindOneofCase.Batch, RelayDown.KindOneofCase.Control], received.Select(down => down.KindCase));
            Assert.Same(delete, received[1]);
        }

        var batch = a[0].Batch;
        Assert.Equal((1L, 5L, 5, false), (batch.FirstSeq, batch.LastSeq, batch.MessageCount, batch.HasPriority));
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(batch.Frame.Span, out var header));
        Assert.Equal(0, header.SampledOut);
        Assert.True(header.Payload.SequenceEqual(appended.WrittenSpan));
    }

    [Fact]
    public async Task A_large_batch_is_also_compressed_once_to_the_same_messages()
    {
        options.CompressionThreshold = 256;
        using var feed = new RoomFeed(TestFrames.RoomId, new DisplaySampler(1_000, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);
        for (var seq = 1; seq <= 20; seq++)
        {
            feed.Append(TestFrames.Message(FrameType.Danmaku, seq, "the same words again and again"), seq, false, out _, out _, out _);
        }

        var (a, _) = await FlushToTwoEdgesAsync(feed);

        var batch = a[0].Batch;
        Assert.InRange(batch.CompressedFrame.Length, 1, batch.Frame.Length - 1);
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(batch.CompressedFrame.Span, out var compressed));
        Assert.True(compressed.IsCompressed);
        var inflated = new ArrayBufferWriter<byte>();
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryGetPayload(compressed, inflated));
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(batch.Frame.Span, out var plain));
        Assert.True(inflated.WrittenSpan.SequenceEqual(plain.Payload));
    }

    [Fact]
    public async Task An_epoch_change_goes_out_after_the_old_epochs_batch_and_before_the_new_ones()
    {
        using var feed = new RoomFeed(TestFrames.RoomId, new DisplaySampler(100, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);
        feed.LearnPosition(1_000, 0);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 7, "old 7"), 7, false, out _, out _, out _);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 8, "old 8"), 8, false, out _, out _, out _);
        feed.ChangeEpoch(2_000, startsAfter: 0, timestampMs: 1);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 1, "new 1"), 1, false, out _, out _, out _);

        var (sent, _) = await FlushToTwoEdgesAsync(feed);

        Assert.Equal(4, sent.Count);
        Assert.Equal((7L, 8L), (sent[0].Batch.FirstSeq, sent[0].Batch.LastSeq));
        var notRecovered = sent[1].Control.Frame.Span;
        Assert.Equal((FrameType.NotRecovered, 8L), TestFrames.Header(notRecovered));
        Assert.Equal(2_000, FrameWriter.ReadUserId(notRecovered));
        var resume = sent[2].Control.Frame.Span;
        Assert.Equal((FrameType.Resume, 0L), TestFrames.Header(resume));
        Assert.Equal(2_000, FrameWriter.ReadUserId(resume));
        Assert.Equal((1L, 1L), (sent[3].Batch.FirstSeq, sent[3].Batch.LastSeq));
    }

    [Fact]
    public async Task Frames_held_since_a_regression_go_out_right_after_the_announcement_of_their_epoch()
    {
        using var feed = new RoomFeed(TestFrames.RoomId, new DisplaySampler(100, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);
        feed.LearnPosition(1_000, 0);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 10, "old 10"), 10, false, out _, out _, out _);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 6, "lagged 6"), 6, false, out _, out var regressed, out _);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 7, "lagged 7"), 7, false, out _, out _, out _);
        feed.ChangeEpoch(2_000, startsAfter: 7, timestampMs: 1);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 8, "new 8"), 8, false, out _, out _, out _);

        var (sent, _) = await FlushToTwoEdgesAsync(feed);

        Assert.True(regressed);
        Assert.Equal(4, sent.Count);
        Assert.Equal((10L, 10L), (sent[0].Batch.FirstSeq, sent[0].Batch.LastSeq));
        Assert.Equal((FrameType.NotRecovered, 10L), TestFrames.Header(sent[1].Control.Frame.Span));
        Assert.Equal((FrameType.Resume, 5L), TestFrames.Header(sent[2].Control.Frame.Span));
        Assert.Equal(2_000, FrameWriter.ReadUserId(sent[2].Control.Frame.Span));
        Assert.Equal((6L, 8L, 3), (sent[3].Batch.FirstSeq, sent[3].Batch.LastSeq, sent[3].Batch.MessageCount));
    }

    [Fact]
    public void A_room_nobody_subscribes_is_emptied_without_a_batch()
    {
        using var feed = new RoomFeed(TestFrames.RoomId, new DisplaySampler(100, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 1, "a"), 1, false, out _, out _, out _);
        using var flusher = new FeedFlusher(options, metrics, TimeProvider.System);

        flusher.Flush(feed);

        Assert.False(feed.TryTake(out _, out _, out _, out _));
        Assert.True(feed.Append(TestFrames.Message(FrameType.Danmaku, 2, "b"), 2, false, out _, out _, out _));
    }

    public void Dispose()
    {
        metrics.Dispose();
        meters.Dispose();
    }

    /// <summary>Subscribes two Edge streams, flushes the room once, and returns what each stream was sent.</summary>
    private async Task<(List<RelayDown> A, List<RelayDown> B)> FlushToTwoEdgesAsync(RoomFeed feed)
    {
        using var a = new EdgeSession(16, metrics, NullLogger.Instance, CancellationToken.None, CancellationToken.None);
        using var b = new EdgeSession(16, metrics, NullLogger.Instance, CancellationToken.None, CancellationToken.None);
        feed.AddSubscriber(a);
        feed.AddSubscriber(b);
        var streamA = new RecordingStreamWriter();
        var streamB = new RecordingStreamWriter();
        var writers = Task.WhenAll(a.RunWriterAsync(streamA), b.RunWriterAsync(streamB));
        using (var flusher = new FeedFlusher(options, metrics, TimeProvider.System))
        {
            flusher.Flush(feed);
        }

        a.Complete();
        b.Complete();
        await writers;
        return (streamA.Written, streamB.Written);
    }
}
