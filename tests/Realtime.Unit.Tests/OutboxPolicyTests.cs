using System.Diagnostics;
using Google.Protobuf;
using Live.Edge;
using Live.Edge.Connections;
using Live.Edge.Identity;
using Live.Edge.Telemetry;
using Live.Protocol;
using Microsoft.Extensions.Options;

namespace Live.Realtime.Unit.Tests;

/// <summary>
/// EdgeConnection's outbox: bounded in bytes (1,000 here); a client that stops reading is played by a stalled
/// socket, which holds the write in progress, so everything after it queues.
/// </summary>
public sealed class OutboxPolicyTests : IDisposable
{
    private const int Cap = 1_000;

    private readonly TestMeterFactory meters = new();
    private readonly EdgeMetrics metrics;
    private readonly ScriptedSocket socket = new();
    private readonly EdgeOptions options = new()
    {
        OutboxCapBytes = Cap,
        SlowConsumerGraceMs = 5_000,
        MaxPendingLiveFrames = 16,
        IdleTimeoutMs = 3_600_000,
        HeartbeatIntervalMs = 600_000,
    };

    public OutboxPolicyTests() => metrics = new EdgeMetrics(meters, Options.Create(options));

    [Fact]
    public async Task Over_the_cap_ordinary_batches_are_dropped_and_what_fits_still_goes_out_in_order()
    {
        var connection = LiveConnection();
        var sending = connection.SendLoopAsync();
        socket.Stall();

        connection.Deliver(TestFrames.SizedBatch(1, FrameType.Danmaku, 600));
        connection.Deliver(TestFrames.SizedBatch(2, FrameType.Danmaku, 600));
        connection.Deliver(TestFrames.SizedBatch(3, FrameType.Danmaku, 300));

        Assert.Equal(900, connection.QueuedBytes);
        Assert.Equal(1, metrics.DroppedBatches);
        socket.Resume();
        var sent = await socket.WaitForSentAsync(3);
        Assert.Equal([(FrameType.Batch, 1L), (FrameType.Batch, 3L)], sent[1..].Select(frame => TestFrames.Header(frame)));
        Assert.Equal(0, connection.CloseCode);
        await CloseAsync(connection, sending);
    }

    [Fact]
    public async Task Gifts_and_system_messages_are_kept_over_the_cap_up_to_twice_the_cap_then_the_client_is_closed_4008()
    {
        var connection = LiveConnection();
        var sending = connection.SendLoopAsync();
        socket.Stall();

        connection.Deliver(TestFrames.SizedBatch(1, FrameType.Danmaku, 600));
        connection.Deliver(TestFrames.SizedBatch(2, FrameType.Gift, 500));
        connection.Deliver(TestFrames.SizedBatch(3, FrameType.System, 500));
        Assert.Equal(1_600, connection.QueuedBytes);
        Assert.Equal(0, connection.CloseCode);

        connection.Deliver(TestFrames.SizedBatch(4, FrameType.Gift, 500));
        Assert.Equal(CloseCodes.SlowConsumer, connection.CloseCode);

        // A slow consumer's queue is abandoned: the write in progress finishes, then only the close frame.
        socket.Resume();
        await sending;
        Assert.Equal([(FrameType.Resume, 0L), (FrameType.Batch, 1L)], socket.Sent.Select(frame => TestFrames.Header(frame)));
        Assert.Equal(CloseCodes.SlowConsumer, (int)socket.SentCloseStatus!);
    }

    [Fact]
    public async Task A_mixed_batch_over_the_cap_goes_out_as_its_gifts_and_system_messages_only()
    {
        var connection = LiveConnection();
        var sending = connection.SendLoopAsync();
        socket.Stall();
        connection.Deliver(TestFrames.SizedBatch(1, FrameType.Danmaku, 600));

        connection.Deliver(TestFrames.Outgoing(TestFrames.Batch(
            (FrameType.Danmaku, 2, new string('a', 200)), (FrameType.Gift, 3, "Rose ×1"), (FrameType.Danmaku, 4, new string('b', 200)),
            (FrameType.System, 5, "welcome"))));

        Assert.Equal(1, metrics.DroppedBatches);
        socket.Resume();
        var sent = await socket.WaitForSentAsync(3);
        Assert.Equal([(FrameType.Gift, 3L, "Rose ×1"), (FrameType.System, 5L, "welcome")], TestFrames.Messages(sent[2]));
        Assert.Equal((2L, 5L), TestFrames.Range(sent[2]));
        await CloseAsync(connection, sending);
    }

    [Fact]
    public void An_empty_outbox_takes_a_batch_larger_than_the_cap()
    {
        var connection = LiveConnection();

        connection.Deliver(TestFrames.SizedBatch(1, FrameType.Danmaku, 3 * Cap));

        Assert.Equal(3 * Cap, socket.Sent[^1].Length);
        Assert.Equal(0, connection.QueuedBytes);
        Assert.Equal(0, metrics.DroppedBatches);
    }

    [Fact]
    public void Staying_over_the_cap_longer_than_the_grace_time_closes_the_client_4008_at_the_next_sweep()
    {
        var connection = LiveConnection();
        socket.Stall();
        connection.Deliver(TestFrames.SizedBatch(1, FrameType.Danmaku, 600));
        connection.Deliver(TestFrames.SizedBatch(2, FrameType.Danmaku, 600));

        connection.Sweep(Stopwatch.GetTimestamp(), Heartbeat());
        Assert.Equal(0, connection.CloseCode);

        connection.Sweep(Stopwatch.GetTimestamp() + TicksOf(options.SlowConsumerGraceMs + 100), Heartbeat());
        Assert.Equal(CloseCodes.SlowConsumer, connection.CloseCode);
        socket.Resume();
    }

    [Fact]
    public async Task Draining_to_half_the_cap_forgives_an_earlier_overflow()
    {
        var connection = LiveConnection();
        socket.Stall();
        connection.Deliver(TestFrames.SizedBatch(1, FrameType.Danmaku, 600));
        connection.Deliver(TestFrames.SizedBatch(2, FrameType.Danmaku, 600));

        socket.Resume();
        await socket.WaitForSentAsync(2);
        await WaitUntilAsync(() => connection.QueuedBytes == 0);

        connection.Sweep(Stopwatch.GetTimestamp() + TicksOf(options.SlowConsumerGraceMs + 100), Heartbeat());
        Assert.Equal(0, connection.CloseCode);
    }

    [Fact]
    public void Live_batches_held_during_a_replay_are_bounded_and_more_closes_the_client_4008()
    {
        var connection = NewConnection();
        for (var seq = 1; seq <= options.MaxPendingLiveFrames; seq++)
        {
            connection.Deliver(TestFrames.SizedBatch(seq, FrameType.Danmaku, 200));
        }

        Assert.Equal(0, connection.CloseCode);
        connection.Deliver(TestFrames.SizedBatch(options.MaxPendingLiveFrames + 1, FrameType.Danmaku, 200));
        Assert.Equal(CloseCodes.SlowConsumer, connection.CloseCode);
        Assert.Empty(socket.Sent);
    }

    [Fact]
    public void Going_live_sends_the_resume_frame_then_only_the_held_messages_the_replay_did_not_cover()
    {
        var connection = NewConnection();
        connection.Deliver(TestFrames.Outgoing(TestFrames.Batch((FrameType.Danmaku, 1, "a"), (FrameType.Danmaku, 2, "b"), (FrameType.Gift, 3, "c"))));
        connection.Deliver(TestFrames.Outgoing(TestFrames.Batch((FrameType.Danmaku, 4, "d"), (FrameType.Danmaku, 5, "e"), (FrameType.Danmaku, 6, "f"))));

        connection.GoLive(replayedUpTo: 4, epoch: 1);
        connection.Deliver(TestFrames.Outgoing(TestFrames.Batch((FrameType.Danmaku, 3, "late"), (FrameType.Danmaku, 7, "g"))));

        var sent = socket.Sent;
        Assert.Equal(3, sent.Length);
        Assert.Equal((FrameType.Resume, 4L), TestFrames.Header(sent[0]));
        Assert.Equal([(FrameType.Danmaku, 5L, "e"), (FrameType.Danmaku, 6L, "f")], TestFrames.Messages(sent[1]));
        Assert.Equal([(FrameType.Danmaku, 7L, "g")], TestFrames.Messages(sent[2]));
    }

    [Fact]
    public void An_epoch_change_moves_the_position_so_the_new_epochs_lower_seqs_are_delivered_even_while_held()
    {
        var connection = NewConnection();
        connection.Deliver(TestFrames.Outgoing(TestFrames.Batch((FrameType.Danmaku, 9, "old 9"), (FrameType.Danmaku, 10, "old 10"))));
        connection.Deliver(OutgoingFrame.EpochResume(FrameWriter.EncodeMessage(FrameType.Resume, 0, 2_000, TestFrames.RoomId, 0, null, null, null), 0));
        connection.Deliver(TestFrames.Outgoing(TestFrames.Batch((FrameType.Danmaku, 1, "new 1"), (FrameType.Danmaku, 2, "new 2"))));

        connection.GoLive(replayedUpTo: 10, epoch: 1_000);
        connection.Deliver(TestFrames.Outgoing(TestFrames.Batch((FrameType.Danmaku, 3, "new 3"))));

        var sent = socket.Sent;
        Assert.Equal([(FrameType.Resume, 10L), (FrameType.Resume, 0L), (FrameType.Batch, 2L), (FrameType.Batch, 3L)],
            sent.Select(frame => TestFrames.Header(frame)));
        Assert.Equal(1_000, FrameWriter.ReadUserId(sent[0]));
        Assert.Equal(2_000, FrameWriter.ReadUserId(sent[1]));
        Assert.Equal([(FrameType.Danmaku, 1L, "new 1"), (FrameType.Danmaku, 2L, "new 2")], TestFrames.Messages(sent[2]));
    }

    [Fact]
    public async Task A_close_for_another_reason_sends_what_was_queued_first_and_then_nothing_more_is_taken()
    {
        var connection = LiveConnection();
        var sending = connection.SendLoopAsync();
        socket.Stall();
        connection.Deliver(TestFrames.SizedBatch(1, FrameType.Danmaku, 300));
        connection.SendError(ErrorCode.Flooding, "you kept sending after being rate-limited; disconnecting.");

        connection.RequestClose(CloseCodes.Flooding, "kept sending after being rate-limited");
        connection.Deliver(TestFrames.SizedBatch(2, FrameType.Gift, 300));
        socket.Resume();
        await sending;

        Assert.Equal([(FrameType.Resume, 0L), (FrameType.Batch, 1L), (FrameType.Error, (long)ErrorCode.Flooding)],
            socket.Sent.Select(frame => TestFrames.Header(frame)));
        Assert.Equal(CloseCodes.Flooding, (int)socket.SentCloseStatus!);
    }

    public void Dispose()
    {
        metrics.Dispose();
        meters.Dispose();
    }

    private EdgeConnection NewConnection() =>
        new(socket, () => { }, new ConnectionIdentity(42, "amy", 3, ByteString.Empty), TestFrames.RoomId, ClientFormat.Binary, options, metrics, new RecordingUplink());

    /// <summary>A connection past its replay: the resume frame (seq 0) is already written.</summary>
    private EdgeConnection LiveConnection()
    {
        var connection = NewConnection();
        connection.GoLive(0, epoch: 1);
        Assert.Single(socket.Sent);
        return connection;
    }

    private async Task CloseAsync(EdgeConnection connection, Task sending)
    {
        connection.RequestClose(CloseCodes.Normal, "test over");
        await sending;
        Assert.Equal(CloseCodes.Normal, (int)socket.SentCloseStatus!);
    }

    private static OutgoingFrame Heartbeat() =>
        OutgoingFrame.Control(FrameWriter.EncodeControl(FrameType.Heartbeat, 0, 0, 0), mustDeliver: false);

    private static long TicksOf(int milliseconds) => milliseconds * Stopwatch.Frequency / 1000;

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 10)
        {
            Assert.True(waited < 5_000, "the condition did not hold within 5 s");
            await Task.Delay(10);
        }
    }
}
