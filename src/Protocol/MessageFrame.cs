using System.Diagnostics;

namespace Live.Protocol;

/// <summary>A parsed message frame: a view over the input bytes, nothing copied.</summary>
public readonly ref struct MessageFrame
{
    public MessageFrame(FrameType type, long timestampMs, long userId, long roomId, long seq,
        ReadOnlySpan<byte> userName, ReadOnlySpan<byte> content, ReadOnlySpan<byte> color)
        : this(type, timestampMs, userId, roomId, seq, userName, content, color, ReadOnlySpan<byte>.Empty)
    {
    }

    public MessageFrame(FrameType type, long timestampMs, long userId, long roomId, long seq,
        ReadOnlySpan<byte> userName, ReadOnlySpan<byte> content, ReadOnlySpan<byte> color, ReadOnlySpan<byte> traceContext)
        : this(type, timestampMs, userId, roomId, seq, userName, content, color, traceContext, ReadOnlySpan<byte>.Empty)
    {
    }

    public MessageFrame(FrameType type, long timestampMs, long userId, long roomId, long seq,
        ReadOnlySpan<byte> userName, ReadOnlySpan<byte> content, ReadOnlySpan<byte> color, ReadOnlySpan<byte> traceContext,
        ReadOnlySpan<byte> userMessageTail)
    {
        TraceContext = traceContext;
        UserMessageTail = userMessageTail;
        Type = type;
        TimestampMs = timestampMs;
        UserId = userId;
        RoomId = roomId;
        Seq = seq;
        UserName = userName;
        Content = content;
        Color = color;
    }

    public FrameType Type { get; }
    public long TimestampMs { get; }
    public long UserId { get; }
    public long RoomId { get; }

    /// <summary>The room sequence number; error code, viewer count or last seq for the control types.</summary>
    public long Seq { get; }

    public ReadOnlySpan<byte> UserName { get; }
    public ReadOnlySpan<byte> Content { get; }
    public ReadOnlySpan<byte> Color { get; }

    /// <summary>The sender's trace context (flag <c>traced</c>; <see cref="FrameLayout.TraceContextSize"/> bytes), empty without it.</summary>
    public ReadOnlySpan<byte> TraceContext { get; }

    /// <summary>The trace context as an <see cref="ActivityContext"/>; default when absent or when an id is all zeros (invalid in W3C).</summary>
    public ActivityContext ParentContext => TraceContextCodec.Read(TraceContext);

    /// <summary>A user message frame's kind and duration (<see cref="FrameLayout.UserMessageTailSize"/> bytes); empty for other types.</summary>
    public ReadOnlySpan<byte> UserMessageTail { get; }

    /// <summary>A user message's kind (<see cref="UserMessageKinds"/>); 0 for other frames.</summary>
    public byte UserMessageKind => UserMessageTail.IsEmpty ? (byte)0 : UserMessageTail[0];

    /// <summary>A user message's duration in seconds (a timeout's length); 0 when none.</summary>
    public long DurationSeconds => UserMessageTail.IsEmpty ? 0 : System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(UserMessageTail[1..]);

    /// <summary>Gifts and system messages are never sampled out or dropped for slow readers.</summary>
    public bool IsPriority => Type != FrameType.Danmaku;
}

/// <summary>A parsed batch frame. <see cref="Payload"/> is still compressed when <see cref="IsCompressed"/>.</summary>
public readonly ref struct BatchFrame
{
    public BatchFrame(FrameFlags flags, long timestampMs, long roomId, long firstSeq, long lastSeq, int count, int sampledOut, int rawLength, ReadOnlySpan<byte> payload)
    {
        Flags = flags;
        TimestampMs = timestampMs;
        RoomId = roomId;
        FirstSeq = firstSeq;
        LastSeq = lastSeq;
        Count = count;
        SampledOut = sampledOut;
        RawLength = rawLength;
        Payload = payload;
    }

    public FrameFlags Flags { get; }
    public bool IsCompressed => (Flags & FrameFlags.Compressed) != 0;
    public long TimestampMs { get; }
    public long RoomId { get; }

    /// <summary>The batch covers seqs FirstSeq..LastSeq; gaps inside that range were sampled out, not lost.</summary>
    public long FirstSeq { get; }

    public long LastSeq { get; }
    public int Count { get; }
    public int SampledOut { get; }
    public int RawLength { get; }
    public ReadOnlySpan<byte> Payload { get; }
}
