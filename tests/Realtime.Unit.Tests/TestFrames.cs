using System.Buffers;
using System.Text;
using Live.Edge.Connections;
using Live.Protocol;

namespace Live.Realtime.Unit.Tests;

/// <summary>Frames made and read with the real codec, so tests speak the wire protocol.</summary>
internal static class TestFrames
{
    public const long RoomId = 7;

    /// <summary>A batch frame's size without its messages' text: batch header, message header and three empty fields.</summary>
    private const int OneMessageOverhead = FrameLayout.BatchHeaderSize + FrameLayout.MinMessageSize;

    public static byte[] Message(FrameType type, long seq, string content) =>
        FrameWriter.EncodeMessage(type, 1_700_000_000_000 + seq, 100 + seq, RoomId, seq, null, content, null);

    public static byte[] Batch(params (FrameType Type, long Seq, string Content)[] messages)
    {
        var payload = new ArrayBufferWriter<byte>();
        foreach (var (type, seq, content) in messages)
        {
            payload.Write(Message(type, seq, content));
        }

        return BatchEncoder.EncodePlain(RoomId, 1_700_000_000_000, messages[0].Seq, messages[^1].Seq, messages.Length, 0, payload.WrittenSpan);
    }

    /// <summary>A one-message batch of exactly <paramref name="bytes"/> bytes, as the Edge gets it from the relay.</summary>
    public static OutgoingFrame SizedBatch(long seq, FrameType type, int bytes) =>
        Outgoing(Batch((type, seq, new string('x', bytes - OneMessageOverhead))));

    public static OutgoingFrame Outgoing(byte[] batchFrame)
    {
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(batchFrame, out var batch));
        var hasPriority = false;
        var reader = new BatchMessageReader(batch.Payload);
        while (reader.TryRead(out var message))
        {
            hasPriority |= message.IsPriority;
        }

        return new OutgoingFrame(batchFrame, default, batch.FirstSeq, batch.LastSeq, isBatch: true, hasPriority);
    }

    /// <summary>The messages of a plain batch frame.</summary>
    public static List<(FrameType Type, long Seq, string Content)> Messages(ReadOnlySpan<byte> batchFrame)
    {
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(batchFrame, out var batch));
        Assert.False(batch.IsCompressed);
        var messages = new List<(FrameType, long, string)>();
        var reader = new BatchMessageReader(batch.Payload);
        while (reader.TryRead(out var message))
        {
            messages.Add((message.Type, message.Seq, Encoding.UTF8.GetString(message.Content)));
        }

        Assert.Equal(DecodeStatus.Ok, reader.Status);
        Assert.Equal(batch.Count, messages.Count);
        return messages;
    }

    /// <summary>The type and seq slot of any frame: a message frame's own, a batch's last seq.</summary>
    public static (FrameType Type, long Seq) Header(ReadOnlySpan<byte> frame)
    {
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadHeader(frame, out var type, out _));
        return (type, FrameWriter.ReadSeq(frame));
    }

    /// <summary>The first and last seq a batch frame covers.</summary>
    public static (long First, long Last) Range(ReadOnlySpan<byte> batchFrame)
    {
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(batchFrame, out var batch));
        return (batch.FirstSeq, batch.LastSeq);
    }
}
