namespace Live.Protocol;

/// <summary>
/// Byte layout of a frame (big-endian). Every frame starts with the same 37-byte header:
/// magic u16, version u8, type u8, flags u8, timestamp i64 (Unix ms), user id i64, room id i64, seq i64.
/// Message frames continue with three u16-length-prefixed UTF-8 fields: user name, content, colour; with flag
/// <c>traced</c>, a W3C trace context follows (<see cref="TraceContextSize"/>).
/// Batch frames continue with: first seq i64, count u16, sampled-out u16, raw length u32, payload length u32,
/// then the payload: <c>count</c> message frames back to back (zstd-compressed when flagged).
/// </summary>
public static class FrameLayout
{
    public const ushort Magic = 0xABCD;
    public const byte Version = 1;

    public const int TypeOffset = 3;
    public const int FlagsOffset = 4;
    public const int TimestampOffset = 5;
    public const int UserIdOffset = 13;
    public const int RoomIdOffset = 21;
    public const int SeqOffset = 29;
    public const int HeaderSize = 37;

    /// <summary>The smallest message frame: a header and three empty fields.</summary>
    public const int MinMessageSize = HeaderSize + 6;

    /// <summary>A traced message frame's trace context: trace id (16 bytes), parent span id (8), trace flags (1).</summary>
    public const int TraceContextSize = 16 + 8 + 1;

    /// <summary>What follows a user message frame's text fields: kind (1 byte) and duration in seconds (8).</summary>
    public const int UserMessageTailSize = 1 + 8;

    public const int BatchBodySize = 8 + 2 + 2 + 4 + 4;
    public const int BatchHeaderSize = HeaderSize + BatchBodySize;

    public const int MaxFieldBytes = ushort.MaxValue;
    public const int MaxBatchCount = ushort.MaxValue;

    /// <summary>A decoder never inflates a batch beyond this, whatever its header claims.</summary>
    public const int MaxBatchPayloadBytes = 4 * 1024 * 1024;
}
