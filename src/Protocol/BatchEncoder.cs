using System.Buffers;
using System.Buffers.Binary;
using ZstdSharp;

namespace Live.Protocol;

/// <summary>A room batch encoded once: the plain frame, and the zstd frame when compression paid off.</summary>
public sealed record EncodedBatch(byte[] Frame, byte[]? CompressedFrame);

/// <summary>
/// Turns concatenated message frames into one batch frame, compressing the payload once when it is at least
/// <c>compressionThreshold</c> bytes and the result is smaller. Not thread-safe: one encoder per flushing loop.
/// </summary>
public sealed class BatchEncoder(int compressionThreshold, int compressionLevel = 1) : IDisposable
{
    private readonly Compressor compressor = new(compressionLevel);

    public int CompressionThreshold { get; } = compressionThreshold;

    public EncodedBatch Encode(long roomId, long timestampMs, long firstSeq, long lastSeq, int count, int sampledOut, ReadOnlySpan<byte> payload)
    {
        var frame = Build(roomId, timestampMs, firstSeq, lastSeq, count, sampledOut, payload.Length, payload, FrameFlags.Batch);
        if (payload.Length < CompressionThreshold)
        {
            return new EncodedBatch(frame, null);
        }

        var scratch = ArrayPool<byte>.Shared.Rent(Compressor.GetCompressBound(payload.Length));
        try
        {
            var compressedLength = compressor.Wrap(payload, scratch);
            if (compressedLength >= payload.Length)
            {
                return new EncodedBatch(frame, null);
            }

            var compressed = Build(roomId, timestampMs, firstSeq, lastSeq, count, sampledOut, payload.Length,
                scratch.AsSpan(0, compressedLength), FrameFlags.Batch | FrameFlags.Compressed);
            return new EncodedBatch(frame, compressed);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    public void Dispose() => compressor.Dispose();

    /// <summary>Encodes a plain (uncompressed) batch; for per-connection replays that are not worth compressing.</summary>
    public static byte[] EncodePlain(long roomId, long timestampMs, long firstSeq, long lastSeq, int count, int sampledOut, ReadOnlySpan<byte> payload) =>
        Build(roomId, timestampMs, firstSeq, lastSeq, count, sampledOut, payload.Length, payload, FrameFlags.Batch);

    private static byte[] Build(long roomId, long timestampMs, long firstSeq, long lastSeq, int count, int sampledOut, int rawLength,
        ReadOnlySpan<byte> payload, FrameFlags flags)
    {
        if (count > FrameLayout.MaxBatchCount || rawLength > FrameLayout.MaxBatchPayloadBytes)
        {
            throw new ArgumentException("A batch holds at most 65,535 messages and 4 MiB.");
        }

        var frame = new byte[FrameLayout.BatchHeaderSize + payload.Length];
        FrameWriter.WriteHeader(frame, FrameType.Batch, flags, timestampMs, 0, roomId, lastSeq);
        var body = frame.AsSpan(FrameLayout.HeaderSize);
        BinaryPrimitives.WriteInt64BigEndian(body, firstSeq);
        BinaryPrimitives.WriteUInt16BigEndian(body[8..], (ushort)count);
        BinaryPrimitives.WriteUInt16BigEndian(body[10..], (ushort)Math.Min(sampledOut, ushort.MaxValue));
        BinaryPrimitives.WriteUInt32BigEndian(body[12..], (uint)rawLength);
        BinaryPrimitives.WriteUInt32BigEndian(body[16..], (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(FrameLayout.BatchHeaderSize));
        return frame;
    }
}
