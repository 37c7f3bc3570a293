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
    private readonly RoomFeed feed = new(TestFrames.RoomId, new DisplaySampler(100, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 1024);

    public RoomFeedTests() => metrics = new MessageMetrics(meters);

    [Fact]
    public void A_room_becomes_dirty_once_per_batch_and_hands_over_its_frames_with_their_seqs_and_priority()
    {
        var danmaku = TestFrames.Message(FrameType.Danmaku, 1, "hi");
        var gift = TestFrames.Message(FrameType.Gift, 2, "Rose ×1");
        using var edge = Session();
        feed.AddSubscriber(edge);

        Assert.True(feed.Append(danmaku, 1, isPriority: false, out var pendingBytes, out _, out _));
        Assert.Equal(danmaku.Length, pendingBytes);
        Assert.False(feed.Append(gift, 2, isPriority: true, out pendingBytes, out _, out _));
        Assert.Equal(danmaku.Length + gift.Length, pendingBytes);

        Assert.True(feed.TryTake(out var frames, out var messages, out var targets, out _));
        Assert.Equal([.. danmaku, .. gift], frames.WrittenSpan.ToArray());
        Assert.Equal([new PendingMessage(0, danmaku.Length, 1, false), new PendingMessage(danmaku.Length, gift.Length, 2, true)], messages);
        Assert.Equal([edge], targets);

        // Taken: the next message makes the room dirty again, and there is nothing more to take until then.
        feed.Recycle(frames, messages);
        Assert.False(feed.TryTake(out _, out _, out _, out _));
        Assert.True(feed.Append(TestFrames.Message(FrameType.Danmaku, 3, "again"), 3, isPriority: false, out _, out _, out _));
    }

    [Fact]
    public void The_pending_buffer_is_swapped_for_the_recycled_one_so_a_busy_room_does_not_allocate_per_batch()
    {
        feed.Append(TestFrames.Message(FrameType.Danmaku, 1, "a"), 1, false, out _, out _, out _);
        Assert.True(feed.TryTake(out var first, out var firstMessages, out _, out _));
        feed.Append(TestFrames.Message(FrameType.Danmaku, 2, "b"), 2, false, out _, out _, out _);
        feed.Recycle(first, firstMessages);

        Assert.True(feed.TryTake(out var second, out var secondMessages, out _, out _));
        Assert.NotSame(first, second);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 3, "c"), 3, false, out _, out _, out _);
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
        Assert.False(feed.Append(TestFrames.Message(FrameType.Danmaku, 1, "a"), 1, false, out _, out _, out _));

        Assert.Equal([delete], feed.TakeControls());
        Assert.Null(feed.TakeControls());
    }

    [Fact]
    public void A_seq_not_above_the_highest_forwarded_is_reported_once_and_frames_are_held_for_the_next_epoch()
    {
        feed.LearnPosition(1_000, 0);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 9, "a"), 9, false, out _, out var regressed, out _);
        Assert.False(regressed);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 10, "b"), 10, false, out _, out regressed, out _);
        Assert.False(regressed);

        Assert.False(feed.Append(TestFrames.Message(FrameType.Danmaku, 10, "again"), 10, false, out _, out regressed, out _));
        Assert.True(regressed);
        Assert.False(feed.Append(TestFrames.Message(FrameType.Danmaku, 11, "in the new lineage"), 11, false, out _, out regressed, out _));
        Assert.False(regressed);
        Assert.Equal(1_000, feed.Epoch);

        feed.ChangeEpoch(2_000, startsAfter: 11, timestampMs: 1);
        Assert.Equal(2_000, feed.Epoch);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 12, "c"), 12, false, out _, out regressed, out _);
        Assert.False(regressed);
        Assert.True(feed.TryTake(out var frames, out var messages, out _, out var boundary));
        Assert.Equal([9L, 10L], boundary!.Messages.Select(m => m.Seq));
        // The new epoch continues after the seq before the first held frame; the held frames open its first batch.
        Assert.Equal([(FrameType.NotRecovered, 10L, 2_000L), (FrameType.Resume, 9L, 2_000L)], boundary.Announcement.Select(Read));
        Assert.Equal([10L, 11L, 12L], messages.Select(m => m.Seq));
        Assert.Equal([.. TestFrames.Message(FrameType.Danmaku, 10, "again"), .. TestFrames.Message(FrameType.Danmaku, 11, "in the new lineage"),
            .. TestFrames.Message(FrameType.Danmaku, 12, "c")], frames.WrittenSpan.ToArray());
    }

    [Fact]
    public void Held_frames_past_the_cap_are_dropped_and_told_as_not_recovered_in_the_new_epoch()
    {
        feed.LearnPosition(1_000, 0);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 10, "old"), 10, false, out _, out _, out _);
        var big = new string('x', 400);
        for (var seq = 4; seq <= 8; seq++)
        {
            feed.Append(TestFrames.Message(FrameType.Danmaku, seq, big), seq, false, out _, out _, out _);
        }

        feed.ChangeEpoch(2_000, startsAfter: 8, timestampMs: 1);

        Assert.False(feed.TryTake(out _, out var messages, out _, out var boundary));
        Assert.Empty(messages);
        Assert.Equal([(FrameType.NotRecovered, 10L, 2_000L), (FrameType.Resume, 3L, 2_000L), (FrameType.NotRecovered, 8L, 2_000L)],
            boundary!.Announcement.Select(Read));
        feed.Append(TestFrames.Message(FrameType.Danmaku, 9, "next"), 9, false, out _, out var regressed, out _);
        Assert.False(regressed);
    }

    [Fact]
    public void Held_frames_of_a_lineage_that_is_gone_are_not_taken_into_a_new_epoch_that_starts_below_them()
    {
        feed.LearnPosition(1_000, 0);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 10, "old"), 10, false, out _, out _, out _);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 6, "lagged"), 6, false, out _, out var regressed, out _);
        Assert.True(regressed);
        // The room's state vanished before the replacement ran: the next message makes an epoch starting at 0.
        feed.RegressionUnresolved();
        feed.Append(TestFrames.Message(FrameType.Danmaku, 7, "lagged"), 7, false, out _, out regressed, out _);
        Assert.True(regressed);

        feed.ChangeEpoch(2_000, startsAfter: 0, timestampMs: 1);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 1, "new"), 1, false, out _, out _, out _);

        Assert.True(feed.TryTake(out _, out var messages, out _, out var boundary));
        Assert.Equal([(FrameType.NotRecovered, 10L, 2_000L), (FrameType.Resume, 0L, 2_000L)], boundary!.Announcement.Select(Read));
        Assert.Equal([1L], messages.Select(m => m.Seq));
    }

    [Fact]
    public void An_epoch_for_a_feed_that_knew_none_loses_nothing_when_its_seqs_continue()
    {
        // A seq key from before epochs gets its epoch with its next message, continuing the seqs.
        feed.Append(TestFrames.Message(FrameType.Danmaku, 41, "a"), 41, false, out _, out _, out _);
        feed.ChangeEpoch(2_000, startsAfter: 41, timestampMs: 1);

        feed.TryTake(out _, out _, out _, out var boundary);
        Assert.Equal([(FrameType.NotRecovered, 0L, 2_000L), (FrameType.Resume, 41L, 2_000L)], boundary!.Announcement.Select(Read));
    }

    [Fact]
    public void An_announcement_of_the_epoch_in_force_changes_nothing_and_a_failed_replacement_lets_the_next_frame_ask_again()
    {
        feed.LearnPosition(1_000, 0);
        feed.LearnPosition(3_000, 0);
        Assert.Equal(1_000, feed.Epoch);
        Assert.False(feed.ChangeEpoch(1_000, 0, 1));
        feed.Append(TestFrames.Message(FrameType.Danmaku, 5, "a"), 5, false, out _, out _, out _);

        feed.Append(TestFrames.Message(FrameType.Danmaku, 4, "b"), 4, false, out _, out var regressed, out _);
        Assert.True(regressed);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 5, "c"), 5, false, out _, out regressed, out _);
        Assert.False(regressed);
        feed.RegressionUnresolved();
        feed.Append(TestFrames.Message(FrameType.Danmaku, 6, "d"), 6, false, out _, out regressed, out _);
        Assert.True(regressed);
        Assert.True(feed.TryTake(out _, out var messages, out _, out var boundary));
        Assert.Null(boundary);
        Assert.Equal([5L], messages.Select(m => m.Seq));
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

        Assert.False(feed.Append(TestFrames.Message(FrameType.Danmaku, 1, "a"), 1, false, out var pendingBytes, out _, out _));
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

    [Fact]
    public void A_seq_that_skips_the_next_one_in_its_epoch_is_a_gap_and_nothing_from_it_on_goes_out()
    {
        using var feed = new RoomFeed(TestFrames.RoomId, new DisplaySampler(100, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);
        feed.LearnPosition(1_000, 0);
        bool Gapped(long seq)
        {
            feed.Append(TestFrames.Message(FrameType.Danmaku, seq, "m" + seq), seq, false, out _, out _, out var gapped);
            return gapped;
        }

        // The first frame a feed sees may start anywhere; after it, seqs go one by one.
        Assert.Equal([false, false, false, true, false], new[] { 41L, 42L, 43L, 45L, 46L }.Select(Gapped).ToArray());
        Assert.True(feed.TryTake(out _, out var messages, out _, out _));
        Assert.Equal([41L, 42L, 43L], messages.Select(m => m.Seq));
    }

    [Fact]
    public void A_new_epoch_starts_its_seqs_without_a_gap()
    {
        using var feed = new RoomFeed(TestFrames.RoomId, new DisplaySampler(100, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);
        feed.LearnPosition(1_000, 0);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 41, "old"), 41, false, out _, out _, out _);
        feed.ChangeEpoch(2_000, startsAfter: 0, timestampMs: 1);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 1, "new 1"), 1, false, out _, out _, out var first);
        feed.Append(TestFrames.Message(FrameType.Danmaku, 2, "new 2"), 2, false, out _, out _, out var second);
        Assert.False(first || second);
    }

    private static (FrameType Type, long Seq, long Epoch) Read(RelayDown control)
    {
        var frame = control.Control.Frame.Span;
        return (TestFrames.Header(frame).Type, FrameWriter.ReadSeq(frame), FrameWriter.ReadUserId(frame));
    }

    private EdgeSession Session() => new(16, metrics, NullLogger.Instance, CancellationToken.None, CancellationToken.None);
}
