using System.Text.Json;
using Live.Edge.Connections;
using Live.Protocol;

namespace Live.Realtime.Unit.Tests;

public sealed class OutgoingFrameTests
{
    private static readonly byte[] Mixed = TestFrames.Batch(
        (FrameType.Danmaku, 10, "a"), (FrameType.Gift, 11, "Rose ×2"), (FrameType.Danmaku, 12, "b"), (FrameType.System, 13, "welcome"), (FrameType.Danmaku, 14, "c"));

    [Fact]
    public void Each_format_gets_its_bytes_and_the_json_form_is_made_once_for_every_connection()
    {
        var compressed = new byte[] { 1, 2, 3 };
        var frame = new OutgoingFrame(Mixed, compressed, 10, 14, isBatch: true, hasPriority: true);

        Assert.True(frame.BytesFor(ClientFormat.Binary).Span.SequenceEqual(Mixed));
        Assert.True(frame.BytesFor(ClientFormat.BinaryZstd).Span.SequenceEqual(compressed));
        var json = frame.BytesFor(ClientFormat.Json);
        Assert.True(json.Equals(frame.BytesFor(ClientFormat.Json)), "the JSON form should be converted once and shared");
        using var document = JsonDocument.Parse(json);
        Assert.Equal("batch", document.RootElement.GetProperty("type").GetString());
        Assert.Equal(5, document.RootElement.GetProperty("messages").GetArrayLength());

        // Without a compressed form (a small batch), zstd clients get the plain bytes.
        var plainOnly = TestFrames.Outgoing(Mixed);
        Assert.True(plainOnly.BytesFor(ClientFormat.BinaryZstd).Span.SequenceEqual(Mixed));
    }

    [Fact]
    public void The_priority_subset_keeps_gifts_and_system_messages_over_the_same_range_and_is_made_once()
    {
        var frame = TestFrames.Outgoing(Mixed);

        var priority = frame.PriorityOnly();

        Assert.NotNull(priority);
        Assert.Same(priority, frame.PriorityOnly());
        Assert.Equal([(FrameType.Gift, 11L, "Rose ×2"), (FrameType.System, 13L, "welcome")], TestFrames.Messages(priority.BytesFor(ClientFormat.Binary).Span));
        Assert.Equal((10L, 14L), (priority.FirstSeq, priority.LastSeq));
        Assert.True(priority.IsBatch && priority.HasPriority);
    }

    [Fact]
    public void Frames_without_priority_messages_and_control_frames_have_no_priority_subset()
    {
        Assert.Null(TestFrames.Outgoing(TestFrames.Batch((FrameType.Danmaku, 1, "a"), (FrameType.Danmaku, 2, "b"))).PriorityOnly());
        Assert.Null(OutgoingFrame.Control(FrameWriter.EncodeControl(FrameType.Resume, 0, TestFrames.RoomId, 3)).PriorityOnly());
    }

    [Fact]
    public void After_a_seq_a_batch_is_whole_trimmed_or_gone()
    {
        var frame = TestFrames.Outgoing(Mixed);

        Assert.Same(frame, frame.After(9));
        Assert.Null(frame.After(14));
        Assert.Null(frame.After(20));

        var rest = frame.After(11);
        Assert.NotNull(rest);
        Assert.Equal((12L, 14L), (rest.FirstSeq, rest.LastSeq));
        Assert.Equal((12L, 14L), TestFrames.Range(rest.BytesFor(ClientFormat.Binary).Span));
        Assert.Equal([(FrameType.Danmaku, 12L, "b"), (FrameType.System, 13L, "welcome"), (FrameType.Danmaku, 14L, "c")],
            TestFrames.Messages(rest.BytesFor(ClientFormat.Binary).Span));
        Assert.True(rest.HasPriority);
    }

    [Fact]
    public void A_control_frame_is_never_trimmed_and_must_be_delivered_unless_told_otherwise()
    {
        var resume = OutgoingFrame.Control(FrameWriter.EncodeControl(FrameType.Resume, 0, TestFrames.RoomId, 3));
        var count = OutgoingFrame.Control(FrameWriter.EncodeControl(FrameType.OnlineCount, 0, TestFrames.RoomId, 1_834), mustDeliver: false);

        Assert.False(resume.IsBatch);
        Assert.True(resume.HasPriority);
        Assert.False(count.HasPriority);
        Assert.Same(resume, resume.After(long.MaxValue));
    }
}
