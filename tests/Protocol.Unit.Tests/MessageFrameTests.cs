using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Live.Protocol.Unit.Tests;

public sealed class MessageFrameTests
{
    [Theory]
    [InlineData(FrameType.Danmaku, "viewer", "Hello", "#ffffff")]
    [InlineData(FrameType.Gift, "大熊猫", "火箭 x3 🚀", "red")]
    [InlineData(FrameType.System, "", "The stream starts in 5 minutes", "")]
    [InlineData(FrameType.JoinNotice, "newcomer", "", "")]
    [InlineData(FrameType.LeaveNotice, "leaver", "", "")]
    [InlineData(FrameType.Delete, "", "", "")]
    public void A_message_round_trips_with_every_field(FrameType type, string name, string content, string color)
    {
        var bytes = FrameWriter.EncodeMessage(type, 1_700_000_000_123, 123456, 654321, 42, name, content, color);

        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(bytes, out var frame));
        Assert.Equal(type, frame.Type);
        Assert.Equal(1_700_000_000_123, frame.TimestampMs);
        Assert.Equal(123456, frame.UserId);
        Assert.Equal(654321, frame.RoomId);
        Assert.Equal(42, frame.Seq);
        Assert.Equal(name, Encoding.UTF8.GetString(frame.UserName));
        Assert.Equal(content, Encoding.UTF8.GetString(frame.Content));
        Assert.Equal(color, Encoding.UTF8.GetString(frame.Color));
        Assert.Equal(FrameWriter.MessageSize(name, content, color), bytes.Length);
    }

    [Fact]
    public void The_header_has_the_documented_layout()
    {
        var bytes = FrameWriter.EncodeMessage(FrameType.Danmaku, 0x0102030405060708, 123456, 654321, 9, "test", "Hello", "red");

        Assert.Equal([0xAB, 0xCD, 0x01, 0x01, 0x00], bytes[..5]);
        Assert.Equal(0x0102030405060708, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(5)));
        Assert.Equal(123456, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(13)));
        Assert.Equal(654321, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(21)));
        Assert.Equal(9, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(29)));
        Assert.Equal([0x00, 0x04, (byte)'t', (byte)'e', (byte)'s', (byte)'t'], bytes[37..43]);
        Assert.Equal([0x00, 0x05], bytes[43..45]);
        Assert.Equal([0x00, 0x03, (byte)'r', (byte)'e', (byte)'d'], bytes[^5..]);
        Assert.Equal(37 + 6 + 4 + 5 + 3, bytes.Length);
    }

    [Fact]
    public void Writing_from_utf8_spans_and_from_strings_gives_the_same_bytes()
    {
        var fromStrings = FrameWriter.EncodeMessage(FrameType.Danmaku, 5, 6, 7, 8, "名字", "内容", "#00ff00");
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.WriteMessage(output, FrameType.Danmaku, 5, 6, 7, 8, "名字"u8, "内容"u8, "#00ff00"u8);

        Assert.Equal(fromStrings, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Seq_can_be_patched_in_place()
    {
        var bytes = FrameWriter.EncodeMessage(FrameType.Danmaku, 1, 2, 3, 0, "a", "b", "c");
        FrameWriter.PatchSeq(bytes, 777);

        Assert.Equal(777, FrameWriter.ReadSeq(bytes));
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(bytes, out var frame));
        Assert.Equal(777, frame.Seq);
    }

    [Fact]
    public void Error_and_control_frames_carry_their_value_in_the_seq_slot()
    {
        var error = FrameWriter.EncodeError(ErrorCode.RateLimited, 1, 2, "slow down", retryAfterMs: 80);
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(error, out var frame));
        Assert.Equal(FrameType.Error, frame.Type);
        Assert.Equal((long)ErrorCode.RateLimited, frame.Seq);
        Assert.Equal("slow down", Encoding.UTF8.GetString(frame.Content));
        Assert.Equal("rate_limited", Encoding.UTF8.GetString(frame.UserName));
        Assert.Equal(80, frame.UserId);

        var count = FrameWriter.EncodeControl(FrameType.OnlineCount, 1, 2, 5000);
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(count, out frame));
        Assert.Equal(5000, frame.Seq);
        Assert.Equal(FrameLayout.MinMessageSize, count.Length);
    }

    [Fact]
    public void Every_truncation_of_a_frame_is_reported_not_thrown()
    {
        var bytes = FrameWriter.EncodeMessage(FrameType.Danmaku, 1, 2, 3, 4, "name", "content", "color");
        for (var length = 0; length < bytes.Length; length++)
        {
            var status = FrameReader.TryReadSingleMessage(bytes.AsSpan(0, length), out _);
            Assert.True(status is DecodeStatus.Truncated or DecodeStatus.BadLength, $"length {length}: {status}");
        }
    }

    [Fact]
    public void Header_violations_have_their_own_status()
    {
        var good = FrameWriter.EncodeMessage(FrameType.Danmaku, 1, 2, 3, 4, "n", "c", "k");

        Assert.Equal(DecodeStatus.BadMagic, Read(Mutate(good, 0, 0xAC)));
        Assert.Equal(DecodeStatus.UnsupportedVersion, Read(Mutate(good, 2, 2)));
        Assert.Equal(DecodeStatus.UnknownType, Read(Mutate(good, 3, 0)));
        Assert.Equal(DecodeStatus.UnknownType, Read(Mutate(good, 3, (byte)FrameType.Ack + 1)));
        Assert.Equal(DecodeStatus.BadFlags, Read(Mutate(good, 4, (byte)FrameFlags.Compressed)));
        Assert.Equal(DecodeStatus.BadFlags, Read(Mutate(good, 4, (byte)FrameFlags.Batch)));
        Assert.Equal(DecodeStatus.BadFlags, Read(Mutate(good, 4, 0x80)));
        Assert.Equal(DecodeStatus.TrailingBytes, Read([.. good, 0]));
    }

    [Fact]
    public void A_length_past_the_end_is_bad_length()
    {
        var bytes = FrameWriter.EncodeMessage(FrameType.Danmaku, 1, 2, 3, 4, "n", "c", "k");
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(FrameLayout.HeaderSize), 0xFFFF);
        Assert.Equal(DecodeStatus.BadLength, Read(bytes));

        bytes = FrameWriter.EncodeMessage(FrameType.Danmaku, 1, 2, 3, 4, "n", "c", "k");
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(FrameLayout.HeaderSize + 3), 2);
        Assert.True(Read(bytes) is DecodeStatus.BadLength or DecodeStatus.Truncated);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3 })] // truncated two-byte sequence
    [InlineData(new byte[] { 0x80 })] // lone continuation byte
    [InlineData(new byte[] { 0xC0, 0xAF })] // overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // UTF-16 surrogate encoded in UTF-8
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // above U+10FFFF
    [InlineData(new byte[] { 0xFF })]
    public void Invalid_utf8_in_any_field_is_rejected(byte[] bad)
    {
        for (var field = 0; field < 3; field++)
        {
            var output = new ArrayBufferWriter<byte>();
            FrameWriter.WriteMessage(output, FrameType.Danmaku, 1, 2, 3, 4,
                field == 0 ? bad : "ok"u8, field == 1 ? bad : "ok"u8, field == 2 ? bad : "ok"u8);
            Assert.Equal(DecodeStatus.InvalidUtf8, Read(output.WrittenSpan.ToArray()));
        }
    }

    [Fact]
    public void A_batch_frame_is_not_a_message()
    {
        using var encoder = new BatchEncoder(1024);
        var batch = encoder.Encode(1, 2, 3, 3, 1, 0, FrameWriter.EncodeMessage(FrameType.Danmaku, 1, 2, 1, 3, "a", "b", "c")).Frame;

        Assert.Equal(DecodeStatus.BadFlags, Read(batch));
    }

    private static DecodeStatus Read(byte[] bytes) => FrameReader.TryReadSingleMessage(bytes, out _);

    private static byte[] Mutate(byte[] source, int index, byte value)
    {
        var copy = source.ToArray();
        copy[index] = value;
        return copy;
    }
}
