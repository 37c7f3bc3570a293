using System.Text;
using System.Text.Json;

namespace Live.Protocol.Unit.Tests;

/// <summary>User message frames (server → client, a message to one user) and ack frames (client → server), binary and JSON.</summary>
public sealed class UserMessageFrameTests
{
    [Fact]
    public void A_user_message_round_trips_every_field()
    {
        var bytes = FrameWriter.EncodeUserMessage(7, UserMessageKinds.Moderation, 42, "mod amy", 12, 600, 1_763_840_000_123, "timed out: spam");

        Assert.Equal(FrameWriter.MessageSize("mod amy", "timed out: spam", null) + FrameLayout.UserMessageTailSize, bytes.Length);
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(bytes, out var frame));
        Assert.Equal(FrameType.UserMessage, frame.Type);
        Assert.Equal(7, frame.Seq);
        Assert.Equal(UserMessageKinds.Moderation, frame.UserMessageKind);
        Assert.Equal(42, frame.UserId);
        Assert.Equal("mod amy", Encoding.UTF8.GetString(frame.UserName));
        Assert.Equal(12, frame.RoomId);
        Assert.Equal(600, frame.DurationSeconds);
        Assert.Equal(1_763_840_000_123, frame.TimestampMs);
        Assert.Equal("timed out: spam", Encoding.UTF8.GetString(frame.Content));
    }

    [Fact]
    public void A_user_message_without_its_tail_is_truncated_and_cannot_be_traced()
    {
        var bytes = FrameWriter.EncodeUserMessage(1, UserMessageKinds.System, 0, null, 0, 0, 1, "refund");

        Assert.Equal(DecodeStatus.Truncated, FrameReader.TryReadSingleMessage(bytes.AsSpan(0, bytes.Length - 1), out _));
        bytes[FrameLayout.FlagsOffset] = (byte)FrameFlags.Traced;
        Assert.Equal(DecodeStatus.BadFlags, FrameReader.TryReadSingleMessage(bytes, out _));
    }

    [Fact]
    public void The_json_form_names_the_kind_and_leaves_out_empty_parts()
    {
        var moderation = JsonDocument.Parse(JsonFrames.ConvertToArray(
            FrameWriter.EncodeUserMessage(3, UserMessageKinds.Moderation, 42, "amy", 12, 600, 1000, "timed out")));
        var system = JsonDocument.Parse(JsonFrames.ConvertToArray(FrameWriter.EncodeUserMessage(4, UserMessageKinds.System, 0, null, 0, 0, 2000, "refund")));

        Assert.Equal("""{"type":"user_message","seq":3,"ts":1000,"kind":"moderation","roomId":12,"durationSeconds":600,"fromUserId":42,"fromUserName":"amy","content":"timed out"}""",
            moderation.RootElement.GetRawText());
        Assert.Equal("""{"type":"user_message","seq":4,"ts":2000,"kind":"system","content":"refund"}""", system.RootElement.GetRawText());
    }

    [Fact]
    public void An_ack_carries_its_seq_in_binary_and_in_json()
    {
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(FrameWriter.EncodeAck(9), out var frame));
        Assert.Equal(FrameType.Ack, frame.Type);
        Assert.Equal(9, frame.Seq);

        Assert.Equal(DecodeStatus.Ok, JsonFrames.TryParseClient("""{"type":"ack","seq":9}"""u8, out var json));
        Assert.Equal(FrameType.Ack, json.Type);
        Assert.Equal(9, json.Seq);
        Assert.Equal(DecodeStatus.BadJson, JsonFrames.TryParseClient("""{"type":"ack","seq":-1}"""u8, out _));
        Assert.Equal(DecodeStatus.BadJson, JsonFrames.TryParseClient("""{"type":"ack","seq":1.5}"""u8, out _));
    }
}
