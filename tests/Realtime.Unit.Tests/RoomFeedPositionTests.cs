using System.Diagnostics;
using Live.MessageService.Fanout;
using Live.Protocol;
using Live.V1;

namespace Live.Realtime.Unit.Tests;

/// <summary>
/// A feed made when a room is subscribed (after an interruption, or the room's first viewer on this node) starts at
/// the position read once its subscription was active, so its very first frame can show a gap; frames published
/// before that read and still in flight are dropped, not taken as the stream going backwards.
/// </summary>
public sealed class RoomFeedPositionTests : IDisposable
{
    private readonly RoomFeed feed = new(TestFrames.RoomId, new DisplaySampler(100, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);

    [Fact]
    public void Frames_at_or_below_the_position_read_at_subscribe_are_dropped_as_in_flight_and_the_next_seq_is_taken()
    {
        Assert.True(feed.LearnPosition(1_000, 40));

        Assert.Equal([(false, false), (false, false), (false, false)], new[] { 38L, 39L, 40L }.Select(Append).ToArray());
        Assert.Equal([(false, false), (false, false)], new[] { 41L, 42L }.Select(Append).ToArray());

        Assert.True(feed.TryTake(out _, out var messages, out _, out var boundary));
        Assert.Null(boundary);
        Assert.Equal([41L, 42L], messages.Select(m => m.Seq));
    }

    [Fact]
    public void Once_a_seq_above_the_position_is_taken_a_lower_one_is_the_stream_going_backwards_again()
    {
        feed.LearnPosition(1_000, 40);
        Append(41);

        Assert.Equal((true, false), Append(40));
    }

    [Fact]
    public void A_first_frame_that_skips_past_the_position_read_at_subscribe_is_a_gap()
    {
        feed.LearnPosition(1_000, 40);

        // Without the position, 42 would open the feed and its viewers would skip 41 silently.
        Assert.Equal((false, true), Append(42));
        Assert.Equal((false, false), Append(43));
        Assert.False(feed.TryTake(out _, out var messages, out _, out _));
        Assert.Empty(messages);
    }

    [Fact]
    public void Frames_taken_before_the_position_arrives_are_checked_against_it()
    {
        // The frames raced the read's answer: 41 follows the position 40, so nothing was lost.
        Append(41);
        Append(42);
        Assert.True(feed.LearnPosition(1_000, 40));
        Append(43);
        Assert.True(feed.TryTake(out _, out var messages, out _, out _));
        Assert.Equal([41L, 42L, 43L], messages.Select(m => m.Seq));

        // Another feed whose first frame came after the read and skipped 41: the feed takes nothing more.
        using var late = new RoomFeed(TestFrames.RoomId, new DisplaySampler(100, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 1024);
        late.Append(TestFrames.Message(FrameType.Danmaku, 42, "m42"), 42, false, out _, out _, out _);
        Assert.False(late.LearnPosition(1_000, 40));
        Assert.False(late.Append(TestFrames.Message(FrameType.Danmaku, 43, "m43"), 43, false, out _, out _, out _));
    }

    [Fact]
    public void Only_the_first_read_positions_the_feed_so_a_later_stream_subscribing_drops_nothing_the_first_one_needs()
    {
        // The first Edge stream read 0 (a quiet room); 1 and 2 are published, and a second stream reads 2 before they arrive.
        feed.LearnPosition(1_000, 0);
        Assert.True(feed.LearnPosition(1_000, 2));

        Append(1);
        Append(2);
        Assert.True(feed.TryTake(out _, out var messages, out _, out _));
        Assert.Equal([1L, 2L], messages.Select(m => m.Seq));
    }

    [Fact]
    public void A_position_of_another_epoch_than_an_announcement_that_came_first_changes_nothing()
    {
        Append(41);
        feed.ChangeEpoch(2_000, startsAfter: 41, timestampMs: 1);

        Assert.True(feed.LearnPosition(1_000, 90));
        Assert.Equal(2_000, feed.Epoch);
        Assert.Equal((false, false), Append(42));
    }

    [Fact]
    public void Held_frames_that_do_not_follow_one_another_are_told_as_not_recovered_not_taken_into_the_new_epoch()
    {
        feed.LearnPosition(1_000, 0);
        Append(208);
        Append(209);
        // The promoted replica goes on from 206 while the demoted master still publishes 210 for a moment.
        Assert.True(Append(206).Regressed);
        foreach (var seq in new[] { 210L, 207L, 208L })
        {
            Append(seq);
        }

        feed.ChangeEpoch(2_000, startsAfter: 208, timestampMs: 1);

        Assert.False(feed.TryTake(out _, out var messages, out _, out var boundary));
        Assert.Empty(messages);
        Assert.Equal([(FrameType.NotRecovered, 209L, 2_000L), (FrameType.Resume, 205L, 2_000L), (FrameType.NotRecovered, 208L, 2_000L)],
            boundary!.Announcement.Select(Read));
        Assert.Equal((false, false), Append(209));
    }

    public void Dispose() => feed.Dispose();

    private (bool Regressed, bool Gapped) Append(long seq)
    {
        feed.Append(TestFrames.Message(FrameType.Danmaku, seq, "m" + seq), seq, false, out _, out var regressed, out var gapped);
        return (regressed, gapped);
    }

    private static (FrameType Type, long Seq, long Epoch) Read(RelayDown control)
    {
        var frame = control.Control.Frame.Span;
        return (TestFrames.Header(frame).Type, FrameWriter.ReadSeq(frame), FrameWriter.ReadUserId(frame));
    }
}
