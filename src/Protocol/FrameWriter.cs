using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace Live.Protocol;

/// <summary>Writes frames straight into a caller's buffer; text is UTF-8-encoded in place, nothing is copied twice.</summary>
public static class FrameWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The encoded size of a message frame with these fields.</summary>
    public static int MessageSize(string? userName, string? content, string? color) =>
        FrameLayout.MinMessageSize + Utf8Length(userName) + Utf8Length(content) + Utf8Length(color);

    public static int Utf8Length(string? text) => string.IsNullOrEmpty(text) ? 0 : StrictUtf8.GetByteCount(text);

    /// <summary>Writes a message frame. A field over 65,535 UTF-8 bytes is a caller bug (validate first) and throws.</summary>
    public static int WriteMessage(IBufferWriter<byte> output, FrameType type, long timestampMs, long userId, long roomId, long seq,
        string? userName, string? content, string? color)
    {
        var size = MessageSize(userName, content, color);
        var span = output.GetSpan(size);
        WriteHeader(span, type, FrameFlags.None, timestampMs, userId, roomId, seq);
        var offset = FrameLayout.HeaderSize;
        offset += WriteField(span[offset..], userName);
        offset += WriteField(span[offset..], content);
        offset += WriteField(span[offset..], color);
        output.Advance(offset);
        return offset;
    }

    /// <summary>Writes a message frame from fields that are already UTF-8.</summary>
    public static int WriteMessage(IBufferWriter<byte> output, FrameType type, long timestampMs, long userId, long roomId, long seq,
        ReadOnlySpan<byte> userName, ReadOnlySpan<byte> content, ReadOnlySpan<byte> color)
    {
        if (userName.Length > FrameLayout.MaxFieldBytes || content.Length > FrameLayout.MaxFieldBytes || color.Length > FrameLayout.MaxFieldBytes)
        {
            throw new ArgumentException("A frame field is longer than 65,535 bytes.");
        }

        var size = FrameLayout.MinMessageSize + userName.Length + content.Length + color.Length;
        var span = output.GetSpan(size);
        WriteHeader(span, type, FrameFlags.None, timestampMs, userId, roomId, seq);
        var offset = FrameLayout.HeaderSize;
        offset += WriteRawField(span[offset..], userName);
        offset += WriteRawField(span[offset..], content);
        offset += WriteRawField(span[offset..], color);
        output.Advance(offset);
        return offset;
    }

    /// <summary>
    /// A client's danmaku frame carrying the sender's trace context (flag <c>traced</c>), so the server continues
    /// the sender's trace. Fields over 65,535 UTF-8 bytes throw.
    /// </summary>
    public static byte[] EncodeTracedMessage(FrameType type, long timestampMs, long roomId, string? content, string? color, in ActivityContext traceContext)
    {
        var untraced = EncodeMessage(type, timestampMs, 0, roomId, 0, null, content, color);
        var frame = new byte[untraced.Length + FrameLayout.TraceContextSize];
        untraced.CopyTo(frame, 0);
        frame[FrameLayout.FlagsOffset] = (byte)FrameFlags.Traced;
        TraceContextCodec.Write(frame.AsSpan(untraced.Length), traceContext);
        return frame;
    }

    /// <summary>Copies a parsed frame (e.g. to re-batch a subset of a batch).</summary>
    public static int WriteMessage(IBufferWriter<byte> output, in MessageFrame frame) => frame.Type == FrameType.UserMessage
        ? WriteBytes(output, EncodeUserMessage(frame.Seq, frame.UserMessageKind, frame.UserId, Encoding.UTF8.GetString(frame.UserName), frame.RoomId,
            frame.DurationSeconds, frame.TimestampMs, Encoding.UTF8.GetString(frame.Content)))
        : WriteMessage(output, frame.Type, frame.TimestampMs, frame.UserId, frame.RoomId, frame.Seq, frame.UserName, frame.Content, frame.Color);

    private static int WriteBytes(IBufferWriter<byte> output, byte[] bytes)
    {
        output.Write(bytes);
        return bytes.Length;
    }

    /// <summary>A control frame with no text (heartbeat, resume, online count): just the header and empty fields.</summary>
    public static int WriteControl(IBufferWriter<byte> output, FrameType type, long timestampMs, long roomId, long value) =>
        WriteMessage(output, type, timestampMs, 0, roomId, value, ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty);

    public static byte[] EncodeMessage(FrameType type, long timestampMs, long userId, long roomId, long seq, string? userName, string? content, string? color)
    {
        var bytes = new byte[MessageSize(userName, content, color)];
        var writer = new SpanWriter(bytes);
        WriteMessage(writer, type, timestampMs, userId, roomId, seq, userName, content, color);
        return bytes;
    }

    /// <param name="retryAfterMs">When a retry can succeed (goes in the user id slot); 0 when it does not apply.</param>
    public static byte[] EncodeError(ErrorCode code, long timestampMs, long roomId, string reason, long retryAfterMs = 0) =>
        EncodeMessage(FrameType.Error, timestampMs, retryAfterMs, roomId, (long)code, ErrorCodes.Name(code), reason, null);

    /// <summary>A room pass for one connection: the token as content, its user in the user id slot, its expiry (Unix ms) in the seq slot.</summary>
    public static byte[] EncodeRoomPass(long timestampMs, long userId, long roomId, long expiresAtMs, string pass) =>
        EncodeMessage(FrameType.RoomPass, timestampMs, userId, roomId, expiresAtMs, null, pass, null);

    /// <summary>
    /// A message to one user (docs/protocol.md, User messages): <paramref name="userSeq"/> in the seq slot, the sender
    /// in the user id slot, then the kind and duration after the text fields. Fields over 65,535 UTF-8 bytes throw.
    /// </summary>
    public static byte[] EncodeUserMessage(long userSeq, byte kind, long fromUserId, string? fromUserName, long roomId, long durationSeconds,
        long createdMs, string? content)
    {
        var untailed = EncodeMessage(FrameType.UserMessage, createdMs, fromUserId, roomId, userSeq, fromUserName, content, null);
        var frame = new byte[untailed.Length + FrameLayout.UserMessageTailSize];
        untailed.CopyTo(frame, 0);
        frame[untailed.Length] = kind;
        BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(untailed.Length + 1), durationSeconds);
        return frame;
    }

    /// <summary>A client's cumulative acknowledgement of its user messages up to <paramref name="userSeq"/>.</summary>
    public static byte[] EncodeAck(long userSeq) => EncodeMessage(FrameType.Ack, 0, 0, 0, userSeq, null, null, null);

    public static byte[] EncodeControl(FrameType type, long timestampMs, long roomId, long value) =>
        EncodeMessage(type, timestampMs, 0, roomId, value, null, null, null);

    /// <summary>Sets the seq of an encoded message frame in place.</summary>
    public static void PatchSeq(Span<byte> frame, long seq) => BinaryPrimitives.WriteInt64BigEndian(frame[FrameLayout.SeqOffset..], seq);

    public static long ReadSeq(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt64BigEndian(frame[FrameLayout.SeqOffset..]);

    /// <summary>The user id slot: the sender, or the epoch of a resume or not-recovered frame.</summary>
    public static long ReadUserId(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt64BigEndian(frame[FrameLayout.UserIdOffset..]);

    internal static void WriteHeader(Span<byte> span, FrameType type, FrameFlags flags, long timestampMs, long userId, long roomId, long seq)
    {
        BinaryPrimitives.WriteUInt16BigEndian(span, FrameLayout.Magic);
        span[2] = FrameLayout.Version;
        span[FrameLayout.TypeOffset] = (byte)type;
        span[FrameLayout.FlagsOffset] = (byte)flags;
        BinaryPrimitives.WriteInt64BigEndian(span[FrameLayout.TimestampOffset..], timestampMs);
        BinaryPrimitives.WriteInt64BigEndian(span[FrameLayout.UserIdOffset..], userId);
        BinaryPrimitives.WriteInt64BigEndian(span[FrameLayout.RoomIdOffset..], roomId);
        BinaryPrimitives.WriteInt64BigEndian(span[FrameLayout.SeqOffset..], seq);
    }

    private static int WriteField(Span<byte> span, string? text)
    {
        var length = string.IsNullOrEmpty(text) ? 0 : StrictUtf8.GetBytes(text, span[2..]);
        if (length > FrameLayout.MaxFieldBytes)
        {
            throw new ArgumentException("A frame field is longer than 65,535 bytes.");
        }

        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)length);
        return 2 + length;
    }

    private static int WriteRawField(Span<byte> span, ReadOnlySpan<byte> field)
    {
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)field.Length);
        field.CopyTo(span[2..]);
        return 2 + field.Length;
    }

    /// <summary>A writer over one exactly-sized array, for the Encode* helpers.</summary>
    private sealed class SpanWriter(byte[] target) : IBufferWriter<byte>
    {
        private int written;

        public void Advance(int count) => written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => target.AsMemory(written);

        public Span<byte> GetSpan(int sizeHint = 0) => target.AsSpan(written);
    }
}
