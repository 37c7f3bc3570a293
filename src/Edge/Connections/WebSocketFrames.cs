using System.Buffers.Binary;

namespace Live.Edge.Connections;

/// <summary>RFC 6455 frames as a server sends them: one final, unmasked, uncompressed frame per message.</summary>
internal static class WebSocketFrames
{
    private const byte Final = 0x80;
    private const byte TextOpcode = 0x1;
    private const byte BinaryOpcode = 0x2;

    /// <summary>The header and <paramref name="payload"/> in one array, ready to be written to the connection as it is.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, bool text)
    {
        var length = payload.Length;
        var headerLength = length < 126 ? 2 : length <= ushort.MaxValue ? 4 : 10;
        var framed = GC.AllocateUninitializedArray<byte>(headerLength + length);
        framed[0] = (byte)(Final | (text ? TextOpcode : BinaryOpcode));
        switch (headerLength)
        {
            case 2:
                framed[1] = (byte)length;
                break;
            case 4:
                framed[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(framed.AsSpan(2), (ushort)length);
                break;
            default:
                framed[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(framed.AsSpan(2), (ulong)length);
                break;
        }

        payload.CopyTo(framed.AsSpan(headerLength));
        return framed;
    }
}
