namespace Live.Protocol;

/// <summary>The outcome of parsing untrusted bytes; parsing never throws for bad input.</summary>
public enum DecodeStatus : byte
{
    Ok,
    Truncated,
    BadMagic,
    UnsupportedVersion,
    UnknownType,
    BadFlags,
    BadLength,
    InvalidUtf8,
    TrailingBytes,
    TooLarge,
    CorruptCompression,
    BadJson,
}

public static class DecodeStatusText
{
    /// <summary>A short reason a client can act on, sent in error frames.</summary>
    public static string Describe(DecodeStatus status) => status switch
    {
        DecodeStatus.Ok => "ok",
        DecodeStatus.Truncated => "frame is shorter than its header or declared fields",
        DecodeStatus.BadMagic => "frame does not start with magic 0xABCD",
        DecodeStatus.UnsupportedVersion => "unsupported protocol version (expected 1)",
        DecodeStatus.UnknownType => "unknown frame type",
        DecodeStatus.BadFlags => "flags do not match the frame type",
        DecodeStatus.BadLength => "a length field points past the end of the frame",
        DecodeStatus.InvalidUtf8 => "a text field is not valid UTF-8",
        DecodeStatus.TrailingBytes => "bytes follow the end of the frame",
        DecodeStatus.TooLarge => "frame or batch is larger than allowed",
        DecodeStatus.CorruptCompression => "compressed payload cannot be decompressed",
        DecodeStatus.BadJson => "text frame is not a valid JSON message",
        _ => "malformed frame",
    };
}
