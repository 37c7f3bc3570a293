using System.Buffers.Binary;

namespace Live.Proxy.Sessions;

/// <summary>
/// The framing of a binary gRPC-Web body: frames of flag (1 byte: 0x00 message, 0x80 trailers, bit 0
/// compressed), length (4 bytes, big-endian) and payload. Only what the refresh cookie needs: the first
/// message of a unary call, replaced, with everything after it kept byte for byte.
/// </summary>
public static class GrpcWebMessage
{
    private const int PrefixSize = 5;
    private const byte TrailersFlag = 0x80;
    private const byte CompressedFlag = 0x01;

    /// <summary>The first frame's message when it is an uncompressed message frame that fits the body.</summary>
    public static bool TryReadFirst(ReadOnlySpan<byte> body, out ReadOnlySpan<byte> message, out int frameEnd)
    {
        message = default;
        frameEnd = 0;
        if (body.Length < PrefixSize || (body[0] & (TrailersFlag | CompressedFlag)) != 0)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(body[1..]);
        if (length > (uint)(body.Length - PrefixSize))
        {
            return false;
        }

        message = body.Slice(PrefixSize, (int)length);
        frameEnd = PrefixSize + (int)length;
        return true;
    }

    /// <summary>A body whose first frame carries <paramref name="message"/>, followed by <paramref name="rest"/> unchanged.</summary>
    public static byte[] Replace(ReadOnlySpan<byte> message, ReadOnlySpan<byte> rest)
    {
        var body = new byte[PrefixSize + message.Length + rest.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)message.Length);
        message.CopyTo(body.AsSpan(PrefixSize));
        rest.CopyTo(body.AsSpan(PrefixSize + message.Length));
        return body;
    }

    public static bool IsBinaryGrpcWeb(string? contentType) =>
        contentType is not null
        && (contentType.Equals("application/grpc-web", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/grpc-web+proto", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/grpc-web;", StringComparison.OrdinalIgnoreCase));
}
