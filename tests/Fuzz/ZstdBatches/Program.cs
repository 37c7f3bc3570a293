using System.Buffers;
using System.Buffers.Binary;
using Live.Fuzz;
using Live.Protocol;
using ZstdSharp;

// The C# reader of compressed batches is the client side (servers never inflate what clients send): LoadGen's
// EdgeViewer and the test clients read a batch frame, inflate it with FrameReader.TryGetPayload into a reused
// buffer with a decompressor kept for the thread, and walk its messages. Every failure is a DecodeStatus (the
// client counts a malformed frame and goes on); an exception would end the client's receive loop: a crash.
// Made on the first input: instrumented code may run only once SharpFuzz has set up afl's coverage map.
Decompressor? decompressor = null;
PooledBufferWriter? inflated = null;
return FuzzHost.Run(args, input => ReadAsAClientDoes(input, decompressor ??= new Decompressor(), inflated ??= new PooledBufferWriter(64 * 1024)), Seeds);

static void ReadAsAClientDoes(byte[] input, Decompressor decompressor, PooledBufferWriter inflated)
{
    if (FrameReader.TryReadBatch(input, out var batch) != DecodeStatus.Ok)
    {
        return;
    }

    var payload = batch.Payload;
    if (batch.IsCompressed)
    {
        inflated.Reset();
        if (FrameReader.TryGetPayload(batch, decompressor, inflated) != DecodeStatus.Ok)
        {
            return;
        }

        payload = inflated.WrittenSpan;
    }

    var reader = new BatchMessageReader(payload);
    while (reader.TryRead(out var message))
    {
        _ = message.Content.Length + message.Seq;
    }

    _ = reader.Status;
}

static IEnumerable<(string, byte[])> Seeds()
{
    using var encoder = new BatchEncoder(compressionThreshold: 0);
    var payload = new ArrayBufferWriter<byte>();
    for (var seq = 1; seq <= 12; seq++)
    {
        FrameWriter.WriteMessage(payload, seq % 4 == 0 ? FrameType.Gift : FrameType.Danmaku, 1_700_000_000_000 + seq, 1000 + seq, 7, seq,
            $"user{seq}", seq % 3 == 0 ? "Rose ×1" : "hello hello hello 世界", "#ffffff");
    }

    var batch = encoder.Encode(7, 1_700_000_000_000, 1, 12, 12, 0, payload.WrittenSpan);
    var compressed = batch.CompressedFrame ?? throw new InvalidOperationException("the seed batch did not compress");
    yield return ("compressed", compressed);
    yield return ("plain", batch.Frame);
    var single = new ArrayBufferWriter<byte>();
    FrameWriter.WriteMessage(single, FrameType.System, 1, 0, 7, 1, null, new string('x', 300), null);
    yield return ("compressed-one", encoder.Encode(7, 1, 1, 1, 1, 0, single.WrittenSpan).CompressedFrame!);
    // Near-valid: a flipped byte inside the zstd frame, a raw length one short, a cut-off zstd frame.
    var flipped = (byte[])compressed.Clone();
    flipped[FrameLayout.BatchHeaderSize + (flipped.Length - FrameLayout.BatchHeaderSize) / 2] ^= 0x5A;
    yield return ("compressed-flipped", flipped);
    var shortRaw = (byte[])compressed.Clone();
    BinaryPrimitives.WriteUInt32BigEndian(shortRaw.AsSpan(FrameLayout.HeaderSize + 12), (uint)payload.WrittenCount - 1);
    yield return ("compressed-raw-short", shortRaw);
    var cut = compressed[..^4];
    BinaryPrimitives.WriteUInt32BigEndian(cut.AsSpan(FrameLayout.HeaderSize + 16), (uint)(cut.Length - FrameLayout.BatchHeaderSize));
    yield return ("compressed-cut", cut);
}
