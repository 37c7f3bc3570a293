using System.Diagnostics;
using Live.MessageService.Fanout;
using Live.MessageService.Relay;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace Live.Realtime.Unit.Tests;

public sealed class RoomFeedTests : IDisposable
{
    private readonly TestMeterFactory meters = new();
    private readonly MessageMetrics metrics;
    private readonly RoomFeed feed = new(TestFrames.RoomId, new DisplaySampler(100, Stopwatch.GetTimestamp(), Stopwatch.Frequency));

    public RoomFeedTests() => metrics = new MessageMetrics(meters);

    [Fact]
    public void A_room_becomes_dirty_once_per_batch_and_hands_over_its_frames_with_their_seqs_and_priority()
    {
        var danmaku = TestFrames.Message(FrameType.Danmaku, 1, "hi");
        var gift = TestFrames.Message(FrameType.Gift, 2, "Rose ×1");
        using var edge = Session();
        feed.AddSubscriber(edge);

        Assert.True(feed.Append(danmaku, 1, isPriority: false, out var pendingBytes, out _));
        Assert.Equal(danmaku.Length, pendingBytes);
        Assert.False(feed.Append(gift, 2, isPriority: true, out pendingBytes, out _));
        Assert.Equal(danmaku.Length + gift.Length, pendingBytes);

        Assert.True(feed.TryTake(out var frames, out var messages, out var targets, out _));
        Assert.Equal([.. danmaku, .. gift], frames.WrittenSpan.ToArray());
        Assert.Equal([new PendingMessage(0, danmaku.Length, 1, false), new PendingMessage(danmaku.Length, gift.Length, 2, true)], messages);
        Assert.Equal([edge], targets);

        // Taken: the next message makes the room dirty again, and there is nothing more to take until then.
        feed.Recycle(frames, messages);
        Assert.False(feed.TryTake(out _, out _, out _, out _));
        Assert.True(feed.Append(TestFrames.Message(FrameType.Danmaku, 3, "again"), 3, isPriority: false, out _, out _));
    }

    [Fact]
    public void The_pending_buffer_is_swapped_for_the_recycled_one_so_a_busy_room_does_not_allocate_per_batch()
    {
        feed.Append(TestFrames.Message(FrameType.Danmaku, 1, "a"), 1, false, out _, out _);
        Assert.True(feed.TryTake(out var first, out var firstMessages, out _, out _));
        feed.Append(TestFrames.Message(FrameType.Danmaku, 2, "b"), 2, false, out _, out _);
        feed.Recycle(first, firstMessages);

        Assert.True(feed.TryTake(out var second, out var secondMessages, out _, out _));
        Assert.NotSame(first, second);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 3, "c"), 3, false, out _, out _);
        feed.Recycle(second, secondMessages);

        Assert.True(feed.TryTake(out var third, out var thirdMessages, out _, out _));
        Assert.Same(first, third);
        Assert.Same(firstMessages, thirdMessages);
        Assert.Equal(3, Assert.Single(thirdMessages).Seq);
        Assert.Equal(TestFrames.Message(FrameType.Danmaku, 3, "c"), third.WrittenSpan.ToArray());
    }

    [Fact]
    public void Controls_wait_for_the_flush_and_are_taken_once()
    {
        var delete = new RelayDown { Control = new RoomControl { RoomId = TestFrames.RoomId } };

        Assert.Null(feed.TakeControls());
        Assert.True(feed.AppendControl(delete));
        Assert.False(feed.Append(TestFrames.Message(FrameType.Danmaku, 1, "a"), 1, false, out _, out _));

        Assert.Equal([delete], feed.TakeControls());
        Assert.Null(feed.TakeControls());
    }

    [Fact]
    public void A_seq_not_above_the_highest_forwarded_is_reported_once_and_frames_wait_for_the_next_epoch()
    {
        feed.LearnEpoch(1_000);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 9, "a"), 9, false, out _, out var regressed);
        Assert.False(regressed);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 10, "b"), 10, false, out _, out regressed);
        Assert.False(regressed);

        Assert.False(feed.Append(TestFrames.Message(FrameType.Danmaku, 10, "again"), 10, false, out _, out regressed));
        Assert.True(regressed);
        Assert.False(feed.Append(TestFrames.Message(FrameType.Danmaku, 11, "in the new lineage"), 11, false, out _, out regressed));
        Assert.False(regressed);
        Assert.Equal(1_000, feed.Epoch);

        feed.ChangeEpoch(2_000, startsAfter: 11, timestampMs: 1);
        Assert.Equal(2_000, feed.Epoch);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 12, "c"), 12, false, out _, out regressed);
        Assert.False(regressed);
        Assert.True(feed.TryTake(out _, out var messages, out _, out var boundary));
        Assert.Equal([12L], messages.Select(m => m.Seq));
        Assert.Equal([9L, 10L], boundary!.Messages.Select(m => m.Seq));
    }

    [Fact]
    public void An_announcement_of_the_epoch_in_force_changes_nothing_and_a_failed_replacement_lets_the_next_regression_ask_again()
    {
        feed.LearnEpoch(1_000);
        feed.LearnEpoch(3_000);
        Assert.Equal(1_000, feed.Epoch);
        Assert.False(feed.ChangeEpoch(1_000, 0, 1));
        feed.Append(TestFrames.Message(FrameType.Danmaku, 5, "a"), 5, false, out _, out _);

        feed.Append(TestFrames.Message(FrameType.Danmaku, 4, "b"), 4, false, out _, out var regressed);
        Assert.True(regressed);
        feed.RegressionUnresolved();
        feed.Append(TestFrames.Message(FrameType.Danmaku, 5, "c"), 5, false, out _, out regressed);
        Assert.True(regressed);
        Assert.True(feed.TryTake(out _, out _, out _, out var boundary));
        Assert.Null(boundary);
    }

    [Fact]
    public void Subscribers_are_a_snapshot_that_later_changes_do_not_touch()
    {
        using var a = Session();
        using var b = Session();
        Assert.Equal(1, feed.AddSubscriber(a));
        Assert.Equal(2, feed.AddSubscriber(b));
        var snapshot = feed.Subscribers;

        Assert.Equal(1, feed.RemoveSubscriber(a));
        Assert.Equal([a, b], snapshot);
        Assert.Equal([b], feed.Subscribers);
    }

    [Fact]
    public void A_disposed_feed_takes_nothing_more()
    {
        feed.Dispose();

        Assert.False(feed.Append(TestFrames.Message(FrameType.Danmaku, 1, "a"), 1, false, out var pendingBytes, out _));
        Assert.Equal(0, pendingBytes);
        Assert.False(feed.AppendControl(new RelayDown { Control = new RoomControl() }));
        Assert.False(feed.TryTake(out _, out _, out _, out _));
    }

    public void Dispose()
    {
        feed.Dispose();
        metrics.Dispose();
        meters.Dispose();
    }

    private EdgeSession Session() => new(16, metrics, NullLogger.Instance, CancellationToken.None, CancellationToken.None);
}
