using Google.Protobuf;
using Live.StatsService.Ingest;
using Live.V1;

namespace Live.StatsService.Tests;

public sealed class RoomMessageReaderTests
{
    [Fact]
    public void Reads_the_same_fields_as_the_generated_parser_and_skips_the_rest()
    {
        var random = new Random(7);
        for (var i = 0; i < 1_000; i++)
        {
            var message = new RoomMessage
            {
                RoomId = random.NextInt64(1, long.MaxValue),
                Seq = random.NextInt64(0, 1L << 40),
                UserId = random.Next(0, 3) == 0 ? 0 : random.NextInt64(1, long.MaxValue),
                UserName = new string('n', random.Next(0, 40)),
                Content = new string('c', random.Next(0, 300)),
                Kind = (MessageKind)random.Next(0, 4),
                Color = random.Next(0, 2) == 0 ? string.Empty : "#ff00ff",
                TimestampMs = random.NextInt64(0, 1L << 42),
            };

            Assert.True(RoomMessageReader.TryRead(message.ToByteArray(), out var fields));
            Assert.Equal((message.RoomId, message.UserId, message.Kind, message.TimestampMs), (fields.RoomId, fields.UserId, fields.Kind, fields.TimestampMs));
        }
    }

    [Fact]
    public void Refuses_truncated_or_malformed_bytes()
    {
        var bytes = new RoomMessage { RoomId = 5, UserId = 6, Content = "hello there", TimestampMs = 1_700_000_000_000 }.ToByteArray();
        for (var length = 1; length < bytes.Length; length++)
        {
            if (RoomMessageReader.TryRead(bytes.AsSpan(0, length), out var partial))
            {
                // A cut that falls between fields is a valid shorter message; its fields must then be a prefix.
                Assert.True(partial.RoomId is 0 or 5);
            }
        }

        Assert.False(RoomMessageReader.TryRead([0x0B], out _)); // wire type 3 (group start) is not used by the schema
        Assert.False(RoomMessageReader.TryRead([0x2A, 0x7F, 0x01], out _)); // length past the end
        Assert.False(RoomMessageReader.TryRead([0x08, 0xFF], out _)); // varint cut off
    }
}
