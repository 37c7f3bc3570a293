namespace Live.Protocol;

/// <summary>
/// Re-encodes the part of a plain batch a particular reader still needs: messages after a seq (a resuming
/// client that already replayed the rest) and/or only priority messages (a slow reader). Rare paths only.
/// </summary>
public static class BatchSubset
{
    /// <returns>The subset as a plain batch frame, or null when no message is kept (or the batch is malformed, or would hold more than 65,535 messages).</returns>
    public static byte[]? Select(ReadOnlySpan<byte> plainBatchFrame, long afterSeq, bool priorityOnly)
    {
        if (FrameReader.TryReadBatch(plainBatchFrame, out var batch) != DecodeStatus.Ok || batch.IsCompressed)
        {
            return null;
        }

        using var payload = new PooledBufferWriter(batch.Payload.Length);
        var reader = new BatchMessageReader(batch.Payload);
        var kept = 0;
        var firstSeq = 0L;
        var lastSeq = 0L;
        while (reader.TryRead(out var message))
        {
            if (message.Seq <= afterSeq || (priorityOnly && !message.IsPriority))
            {
                continue;
            }

            if (kept == FrameLayout.MaxBatchCount)
            {
                // More messages than a batch's 16-bit count can say: malformed, and re-encoding it would throw.
                return null;
            }

            FrameWriter.WriteMessage(payload, message);
            firstSeq = kept == 0 ? message.Seq : firstSeq;
            lastSeq = message.Seq;
            kept++;
        }

        if (kept == 0 || reader.Status != DecodeStatus.Ok)
        {
            return null;
        }

        // The range still starts after afterSeq, so a reader does not mistake sampled-out seqs for a loss.
        var coveredFrom = Math.Max(batch.FirstSeq, afterSeq + 1);
        return BatchEncoder.EncodePlain(batch.RoomId, batch.TimestampMs, Math.Min(coveredFrom, firstSeq), Math.Max(lastSeq, batch.LastSeq),
            kept, 0, payload.WrittenSpan);
    }
}
