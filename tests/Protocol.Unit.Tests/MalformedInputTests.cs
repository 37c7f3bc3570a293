using System.Buffers;

namespace Live.Protocol.Unit.Tests;

/// <summary>Random and mutated input: the parsers must answer with a status for every input and never throw.</summary>
public sealed class MalformedInputTests
{
    [Fact]
    public void Random_mutations_of_valid_frames_never_throw_and_whatever_parses_re_encodes_identically()
    {
        var random = new Random(20261122);
        var seeds = new List<byte[]>
        {
            FrameWriter.EncodeMessage(FrameType.Danmaku, 1, 2, 3, 4, "名前", "content ✓", "#ff00ff"),
            FrameWriter.EncodeMessage(FrameType.Heartbeat, 0, 0, 0, 0, null, null, null),
            FrameWriter.EncodeError(ErrorCode.MalformedFrame, 1, 2, "bad"),
            BatchEncoder.EncodePlain(1, 1, 1, 3, 3, 0, BatchFrameTests.Payload(1, 3, _ => FrameType.Danmaku, "x")),
        };
        using (var encoder = new BatchEncoder(64))
        {
            seeds.Add(encoder.Encode(1, 1, 1, 40, 40, 0, BatchFrameTests.Payload(1, 40, _ => FrameType.Danmaku, "zzz")).CompressedFrame!);
        }

        var parsedMessages = 0;
        for (var i = 0; i < 50_000; i++)
        {
            var input = Mutate(seeds[random.Next(seeds.Count)], random);

            var status = FrameReader.TryReadSingleMessage(input, out var frame);
            if (status == DecodeStatus.Ok)
            {
                parsedMessages++;
                var output = new ArrayBufferWriter<byte>();
                FrameWriter.WriteMessage(output, frame);
                Assert.Equal(input, output.WrittenSpan.ToArray());
            }

            if (FrameReader.TryReadBatch(input, out var batch) == DecodeStatus.Ok)
            {
                var inflated = new ArrayBufferWriter<byte>();
                if (FrameReader.TryGetPayload(batch, inflated) == DecodeStatus.Ok)
                {
                    var reader = new BatchMessageReader(inflated.WrittenSpan);
                    while (reader.TryRead(out _))
                    {
                    }
                }
            }

            _ = JsonFrames.TryConvert(input, new ArrayBufferWriter<byte>());
            _ = JsonFrames.TryParseClient(input, out _);
            _ = BatchSubset.Select(input, 2, priorityOnly: i % 2 == 0);
        }

        // The mutations are small, so some inputs stay valid: the round-trip assertion above was exercised.
        Assert.InRange(parsedMessages, 1, 49_999);
    }

    [Fact]
    public void Pure_noise_is_never_accepted_as_a_message()
    {
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var noise = new byte[random.Next(0, 200)];
            random.NextBytes(noise);
            Assert.NotEqual(DecodeStatus.Ok, FrameReader.TryReadSingleMessage(noise, out _));
        }
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToList();
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3:
                    bytes.RemoveAt(at);
                    break;
                case 4:
                    // Length fields are the interesting targets: hit the bytes right after the header.
                    var lengthAt = Math.Min(bytes.Count - 1, FrameLayout.HeaderSize + random.Next(0, 24));
                    bytes[lengthAt] = (byte)random.Next(256);
                    break;
                default:
                    bytes[at] = (byte)(0x80 | random.Next(0x40));
                    break;
            }
        }

        return [.. bytes];
    }
}
