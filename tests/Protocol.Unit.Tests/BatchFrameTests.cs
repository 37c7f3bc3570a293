using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Live.Protocol.Unit.Tests;

public sealed class BatchFrameTests
{
    [Fact]
    public void A_small_batch_is_sent_plain_and_its_messages_read_back_in_order()
    {
        var payload = Payload(1, 3, seq => seq == 2 ? FrameType.Gift : FrameType.Danmaku, "hi");
        using var encoder = new BatchEncoder(compressionThreshold: 4096);

        var encoded = encoder.Encode(roomId: 9, timestampMs: 100, firstSeq: 1, lastSeq: 3, count: 3, sampledOut: 0, payload);

        Assert.Null(encoded.CompressedFrame);
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(encoded.Frame, out var batch));
        Assert.False(batch.IsCompressed);
        Assert.Equal((9L, 1L, 3L, 3), (batch.RoomId, batch.FirstSeq, batch.LastSeq, batch.Count));
        Assert.Equal([(1L, FrameType.Danmaku), (2L, FrameType.Gift), (3L, FrameType.Danmaku)], ReadAll(batch.Payload));
    }

    [Fact]
    public void A_large_batch_is_also_compressed_once_and_inflates_to_the_same_messages()
    {
        var payload = Payload(100, 299, _ => FrameType.Danmaku, "the same words again and again");
        using var encoder = new BatchEncoder(compressionThreshold: 1024);

        var encoded = encoder.Encode(9, 100, 100, 299, 200, 5, payload);

        Assert.NotNull(encoded.CompressedFrame);
        Assert.True(encoded.CompressedFrame!.Length < encoded.Frame.Length / 3);
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(encoded.CompressedFrame, out var batch));
        Assert.True(batch.IsCompressed);
        Assert.Equal(5, batch.SampledOut);
        Assert.Equal(payload.Length, batch.RawLength);
        var inflated = new ArrayBufferWriter<byte>();
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryGetPayload(batch, inflated));
        Assert.Equal(payload, inflated.WrittenSpan.ToArray());
        Assert.Equal(200, ReadAll(inflated.WrittenSpan).Count);
    }

    [Fact]
    public void Batch_header_lies_are_caught()
    {
        var payload = Payload(1, 2, _ => FrameType.Danmaku, "x");
        var frame = BatchEncoder.EncodePlain(1, 1, 1, 2, 2, 0, payload);

        var longer = frame.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(longer.AsSpan(FrameLayout.HeaderSize + 16), (uint)payload.Length + 1);
        Assert.Equal(DecodeStatus.BadLength, FrameReader.TryReadBatch(longer, out _));

        var rawMismatch = frame.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(rawMismatch.AsSpan(FrameLayout.HeaderSize + 12), (uint)payload.Length + 1);
        Assert.Equal(DecodeStatus.BadLength, FrameReader.TryReadBatch(rawMismatch, out _));

        var bomb = frame.ToArray();
        bomb[FrameLayout.FlagsOffset] = (byte)(FrameFlags.Batch | FrameFlags.Compressed);
        BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(FrameLayout.HeaderSize + 12), uint.MaxValue);
        Assert.Equal(DecodeStatus.TooLarge, FrameReader.TryReadBatch(bomb, out _));

        var noBatchFlag = frame.ToArray();
        noBatchFlag[FrameLayout.FlagsOffset] = 0;
        Assert.Equal(DecodeStatus.BadFlags, FrameReader.TryReadBatch(noBatchFlag, out _));

        Assert.Equal(DecodeStatus.Truncated, FrameReader.TryReadBatch(frame.AsSpan(0, FrameLayout.BatchHeaderSize - 1), out _));
        Assert.Equal(DecodeStatus.TrailingBytes, FrameReader.TryReadBatch([.. frame, 1], out _));
    }

    [Fact]
    public void A_corrupt_compressed_payload_is_reported()
    {
        var payload = Payload(1, 100, _ => FrameType.Danmaku, "compress me compress me");
        using var encoder = new BatchEncoder(256);
        var compressed = encoder.Encode(1, 1, 1, 100, 100, 0, payload).CompressedFrame!;
        for (var i = FrameLayout.BatchHeaderSize; i < compressed.Length; i += 7)
        {
            compressed[i] ^= 0x5A;
        }

        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(compressed, out var batch));
        var status = FrameReader.TryGetPayload(batch, new ArrayBufferWriter<byte>());
        if (status == DecodeStatus.Ok)
        {
            // zstd has no checksum by default; if it inflated, the messages themselves must then fail to parse
            // or differ. Either way nothing threw.
            return;
        }

        Assert.Equal(DecodeStatus.CorruptCompression, status);
    }

    [Fact]
    public void A_subset_keeps_what_a_reader_still_needs()
    {
        var payload = Payload(10, 15, seq => seq % 3 == 0 ? FrameType.System : FrameType.Danmaku, "m");
        var frame = BatchEncoder.EncodePlain(4, 1, 10, 15, 6, 0, payload);

        var after12 = BatchSubset.Select(frame, afterSeq: 12, priorityOnly: false)!;
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(after12, out var batch));
        Assert.Equal([13L, 14L, 15L], ReadAll(batch.Payload).Select(m => m.Seq));
        Assert.Equal((13L, 15L), (batch.FirstSeq, batch.LastSeq));

        var priority = BatchSubset.Select(frame, afterSeq: 0, priorityOnly: true)!;
        Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadBatch(priority, out batch));
        Assert.Equal([(12L, FrameType.System), (15L, FrameType.System)], ReadAll(batch.Payload));

        Assert.Null(BatchSubset.Select(frame, afterSeq: 15, priorityOnly: false));
    }

    [Fact]
    public void A_batch_that_holds_more_messages_than_its_count_field_can_say_has_no_subset()
    {
        // 70,000 empty messages fit in 4 MiB, but a batch's count is 16 bits: re-encoding them all must not throw.
        var output = new ArrayBufferWriter<byte>();
        for (var seq = 1L; seq <= 70_000; seq++)
        {
            FrameWriter.WriteMessage(output, FrameType.Gift, 1, 0, 9, seq, (string?)null, null, null);
        }

        var frame = BatchEncoder.EncodePlain(9, 1, 1, 70_000, FrameLayout.MaxBatchCount, 0, output.WrittenSpan);

        Assert.Null(BatchSubset.Select(frame, afterSeq: 0, priorityOnly: false));
        Assert.Null(BatchSubset.Select(frame, afterSeq: 0, priorityOnly: true));
        Assert.NotNull(BatchSubset.Select(frame, afterSeq: 70_000 - 10, priorityOnly: false));
    }

    internal static byte[] Payload(long firstSeq, long lastSeq, Func<long, FrameType> type, string content)
    {
        var output = new ArrayBufferWriter<byte>();
        for (var seq = firstSeq; seq <= lastSeq; seq++)
        {
            FrameWriter.WriteMessage(output, type(seq), 1000 + seq, 50 + seq, 9, seq, "user" + seq, content + " " + seq, "#ffffff");
        }

        return output.WrittenSpan.ToArray();
    }

    internal static List<(long Seq, FrameType Type)> ReadAll(ReadOnlySpan<byte> payload)
    {
        var result = new List<(long, FrameType)>();
        var reader = new BatchMessageReader(payload);
        while (reader.TryRead(out var message))
        {
            Assert.StartsWith("user", Encoding.UTF8.GetString(message.UserName));
            result.Add((message.Seq, message.Type));
        }

        Assert.Equal(DecodeStatus.Ok, reader.Status);
        return result;
    }
}
