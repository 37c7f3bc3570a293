namespace Live.V1;

/// <summary>
/// Reads the five fields StatsService needs from a serialized <see cref="RoomMessage"/> (room, seq, sender, kind, time)
/// straight from the protobuf wire format, skipping the rest — the name and text would otherwise be decoded into
/// strings for every message on the hottest topic only to be dropped. MessageService reads the seq of each
/// record Kafka acknowledges the same way (ADR 0014).
/// </summary>
public static class RoomMessageReader
{
    public readonly record struct Fields(long RoomId, long Seq, long UserId, MessageKind Kind, long TimestampMs);

    /// <summary>False when the bytes are not a well-formed message.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out Fields fields)
    {
        long roomId = 0, seq = 0, userId = 0, timestampMs = 0;
        var kind = MessageKind.Unspecified;
        fields = default;
        var position = 0;
        while (position < data.Length)
        {
            if (!TryReadVarint(data, ref position, out var tag))
            {
                return false;
            }

            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    if (!TryReadVarint(data, ref position, out var value))
                    {
                        return false;
                    }

                    switch (field)
                    {
                        case 1: roomId = (long)value; break;
                        case 2: seq = (long)value; break;
                        case 3: userId = (long)value; break;
                        case 6: kind = (MessageKind)(int)value; break;
                        case 8: timestampMs = (long)value; break;
                    }

                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    if (!TryReadVarint(data, ref position, out var length) || length > (ulong)(data.Length - position))
                    {
                        return false;
                    }

                    position += (int)length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    return false;
            }
        }

        if (position != data.Length)
        {
            return false;
        }

        fields = new Fields(roomId, seq, userId, kind, timestampMs);
        return true;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && position < data.Length; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
