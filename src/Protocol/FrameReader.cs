using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;
using ZstdSharp;

namespace Live.Protocol;

/// <summary>
/// Strict, bounds-checked parsing of untrusted bytes. Every length is checked against what is left before it
/// is used, text must be valid UTF-8, and the result is a status, never an exception.
/// </summary>
public static class FrameReader
{
    /// <summary>Reads the fixed header of any frame and checks magic, version, type and flags.</summary>
    public static DecodeStatus TryReadHeader(ReadOnlySpan<byte> input, out FrameType type, out FrameFlags flags)
    {
        type = default;
        flags = default;
        if (input.Length < FrameLayout.HeaderSize)
        {
            return DecodeStatus.Truncated;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(input) != FrameLayout.Magic)
        {
            return DecodeStatus.BadMagic;
        }

        if (input[2] != FrameLayout.Version)
        {
            return DecodeStatus.UnsupportedVersion;
        }

        var rawType = input[FrameLayout.TypeOffset];
        if (rawType is < (byte)FrameType.Danmaku or > (byte)FrameType.Ack)
        {
            return DecodeStatus.UnknownType;
        }

        type = (FrameType)rawType;
        flags = (FrameFlags)input[FrameLayout.FlagsOffset];
        var isBatch = type == FrameType.Batch;
        var valid = isBatch
            ? (flags & ~(FrameFlags.Batch | FrameFlags.Compressed)) == 0 && (flags & FrameFlags.Batch) != 0
            : flags is FrameFlags.None || (flags is FrameFlags.Traced && type != FrameType.UserMessage);
        return valid ? DecodeStatus.Ok : DecodeStatus.BadFlags;
    }

    /// <summary>Parses one message frame from the start of <paramref name="input"/>; more bytes may follow.</summary>
    public static DecodeStatus TryReadMessage(ReadOnlySpan<byte> input, out MessageFrame frame, out int consumed)
    {
        frame = default;
        consumed = 0;
        var status = TryReadHeader(input, out var type, out var flags);
        if (status != DecodeStatus.Ok)
        {
            return status;
        }

        if (type == FrameType.Batch)
        {
            return DecodeStatus.BadFlags;
        }

        var offset = FrameLayout.HeaderSize;
        if ((status = ReadField(input, ref offset, out var userName)) != DecodeStatus.Ok
            || (status = ReadField(input, ref offset, out var content)) != DecodeStatus.Ok
            || (status = ReadField(input, ref offset, out var color)) != DecodeStatus.Ok)
        {
            return status;
        }

        var traceContext = ReadOnlySpan<byte>.Empty;
        if (flags == FrameFlags.Traced)
        {
            if (input.Length - offset < FrameLayout.TraceContextSize)
            {
                return DecodeStatus.Truncated;
            }

            traceContext = input.Slice(offset, FrameLayout.TraceContextSize);
            offset += FrameLayout.TraceContextSize;
        }

        var userMessageTail = ReadOnlySpan<byte>.Empty;
        if (type == FrameType.UserMessage)
        {
            if (input.Length - offset < FrameLayout.UserMessageTailSize)
            {
                return DecodeStatus.Truncated;
            }

            userMessageTail = input.Slice(offset, FrameLayout.UserMessageTailSize);
            offset += FrameLayout.UserMessageTailSize;
        }

        frame = new MessageFrame(
            type,
            BinaryPrimitives.ReadInt64BigEndian(input[FrameLayout.TimestampOffset..]),
            BinaryPrimitives.ReadInt64BigEndian(input[FrameLayout.UserIdOffset..]),
            BinaryPrimitives.ReadInt64BigEndian(input[FrameLayout.RoomIdOffset..]),
            BinaryPrimitives.ReadInt64BigEndian(input[FrameLayout.SeqOffset..]),
            userName,
            content,
            color,
            traceContext,
            userMessageTail);
        consumed = offset;
        return DecodeStatus.Ok;
    }

    /// <summary>Parses a message frame that must be exactly <paramref name="input"/>, as a WebSocket frame is.</summary>
    public static DecodeStatus TryReadSingleMessage(ReadOnlySpan<byte> input, out MessageFrame frame)
    {
        var status = TryReadMessage(input, out frame, out var consumed);
        if (status == DecodeStatus.Ok && consumed != input.Length)
        {
            frame = default;
            return DecodeStatus.TrailingBytes;
        }

        return status;
    }

    /// <summary>Parses a batch frame that must be exactly <paramref name="input"/>. The payload is not inflated.</summary>
    public static DecodeStatus TryReadBatch(ReadOnlySpan<byte> input, out BatchFrame batch)
    {
        batch = default;
        var status = TryReadHeader(input, out var type, out var flags);
        if (status != DecodeStatus.Ok)
        {
            return status;
        }

        if (type != FrameType.Batch)
        {
            return DecodeStatus.BadFlags;
        }

        if (input.Length < FrameLayout.BatchHeaderSize)
        {
            return DecodeStatus.Truncated;
        }

        var body = input[FrameLayout.HeaderSize..];
        var firstSeq = BinaryPrimitives.ReadInt64BigEndian(body);
        var count = BinaryPrimitives.ReadUInt16BigEndian(body[8..]);
        var sampledOut = BinaryPrimitives.ReadUInt16BigEndian(body[10..]);
        var rawLength = BinaryPrimitives.ReadUInt32BigEndian(body[12..]);
        var payloadLength = BinaryPrimitives.ReadUInt32BigEndian(body[16..]);
        var payload = input[FrameLayout.BatchHeaderSize..];
        if (payloadLength != (uint)payload.Length)
        {
            return payloadLength > (uint)payload.Length ? DecodeStatus.BadLength : DecodeStatus.TrailingBytes;
        }

        if (rawLength > FrameLayout.MaxBatchPayloadBytes)
        {
            return DecodeStatus.TooLarge;
        }

        var compressed = (flags & FrameFlags.Compressed) != 0;
        if (!compressed && rawLength != payloadLength)
        {
            return DecodeStatus.BadLength;
        }

        batch = new BatchFrame(
            flags,
            BinaryPrimitives.ReadInt64BigEndian(input[FrameLayout.TimestampOffset..]),
            BinaryPrimitives.ReadInt64BigEndian(input[FrameLayout.RoomIdOffset..]),
            firstSeq,
            BinaryPrimitives.ReadInt64BigEndian(input[FrameLayout.SeqOffset..]),
            count,
            sampledOut,
            (int)rawLength,
            payload);
        return DecodeStatus.Ok;
    }

    /// <summary>
    /// Inflates a compressed batch payload into <paramref name="output"/> (or copies a plain one), never past the
    /// declared raw length. Clients use this; servers never inflate what clients send.
    /// </summary>
    public static DecodeStatus TryGetPayload(in BatchFrame batch, IBufferWriter<byte> output)
    {
        if (!batch.IsCompressed)
        {
            output.Write(batch.Payload);
            return DecodeStatus.Ok;
        }

        using var decompressor = new Decompressor();
        return TryGetPayload(batch, decompressor, output);
    }

    /// <summary>
    /// As <see cref="TryGetPayload(in BatchFrame, IBufferWriter{byte})"/> with a caller's decompressor, for a client
    /// that inflates many batches (a zstd context is costly to create; one per reading thread is enough).
    /// </summary>
    public static DecodeStatus TryGetPayload(in BatchFrame batch, Decompressor decompressor, IBufferWriter<byte> output)
    {
        if (!batch.IsCompressed)
        {
            output.Write(batch.Payload);
            return DecodeStatus.Ok;
        }

        var destination = output.GetSpan(Math.Max(batch.RawLength, 1))[..batch.RawLength];
        try
        {
            if (!decompressor.TryUnwrap(batch.Payload, destination, out var written) || written != batch.RawLength)
            {
                return DecodeStatus.CorruptCompression;
            }

            output.Advance(written);
            return DecodeStatus.Ok;
        }
        catch (ZstdException)
        {
            // ZstdSharp reports corrupt input only by throwing; this path runs on clients, not on the server.
            return DecodeStatus.CorruptCompression;
        }
    }

    private static DecodeStatus ReadField(ReadOnlySpan<byte> input, scoped ref int offset, out ReadOnlySpan<byte> field)
    {
        field = default;
        if (input.Length - offset < 2)
        {
            return DecodeStatus.Truncated;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(input[offset..]);
        offset += 2;
        if (length > input.Length - offset)
        {
            return DecodeStatus.BadLength;
        }

        field = input.Slice(offset, length);
        offset += length;
        return Utf8.IsValid(field) ? DecodeStatus.Ok : DecodeStatus.InvalidUtf8;
    }
}

/// <summary>Walks the message frames of an inflated batch payload.</summary>
public ref struct BatchMessageReader
{
    private ReadOnlySpan<byte> remaining;

    public BatchMessageReader(ReadOnlySpan<byte> payload)
    {
        remaining = payload;
        Status = DecodeStatus.Ok;
    }

    /// <summary>Not Ok when the walk stopped at a malformed frame rather than the end.</summary>
    public DecodeStatus Status { get; private set; }

    public bool TryRead(out MessageFrame frame)
    {
        frame = default;
        if (remaining.IsEmpty || Status != DecodeStatus.Ok)
        {
            return false;
        }

        Status = FrameReader.TryReadMessage(remaining, out frame, out var consumed);
        if (Status != DecodeStatus.Ok)
        {
            return false;
        }

        remaining = remaining[consumed..];
        return true;
    }
}
