using Google.Protobuf;
using Grpc.Core;
using Live.Edge.Connections;
using Live.Edge.Relay;
using Live.Edge.Telemetry;
using Live.Protocol;
using Live.V1;

namespace Live.Edge.Sockets;

/// <summary>
/// Resume: what a client missed after its last_seq, from MessageService's history, in pages that arrive as
/// batch frames made of the frames stored at ingest and go to the client as they are; a "not recovered" frame
/// first when the history no longer reaches back that far.
/// </summary>
public static class HistoryReplay
{
    /// <returns>The last seq the client now has.</returns>
    public static async Task<long> RunAsync(EdgeConnection connection, long after, long subscribedSeq, RelayClient relay, EdgeOptions settings, ILogger logger)
    {
        var cursor = after;
        var replayed = 0;
        var first = true;
        while (replayed < settings.MaxReplayMessages)
        {
            GetHistoryResponse history;
            try
            {
                history = await relay.History.GetHistoryAsync(
                    new GetHistoryRequest { RoomId = connection.RoomId, AfterSeq = cursor, Limit = Math.Min(500, settings.MaxReplayMessages - replayed), AsBatch = true },
                    deadline: DateTime.UtcNow.AddSeconds(5));
            }
            catch (RpcException ex)
            {
                Log.HistoryUnavailable(logger, connection.RoomId, $"{ex.StatusCode}: {ex.Status.Detail}");
                return Unavailable(connection, cursor, subscribedSeq, "history is unavailable");
            }

            if (first)
            {
                first = false;
                if (after > history.LatestSeq)
                {
                    NotRecovered(connection, after, $"last_seq {after} is ahead of the room (latest {history.LatestSeq}); its history was reset");
                    return history.LatestSeq;
                }

                var oldestWanted = Math.Max(after + 1, history.LatestSeq - settings.MaxReplayMessages + 1);
                var oldestHeld = history.FirstAvailableSeq == 0 ? history.LatestSeq + 1 : history.FirstAvailableSeq;
                if (history.LatestSeq > after && Math.Max(oldestWanted, oldestHeld) > after + 1)
                {
                    var lostUpTo = Math.Max(oldestWanted, oldestHeld) - 1;
                    NotRecovered(connection, lostUpTo, $"messages {after + 1}..{lostUpTo} are no longer in the room history");
                    if (oldestWanted > oldestHeld)
                    {
                        // More was missed than a replay sends: skip to the newest part.
                        cursor = oldestWanted - 1;
                        continue;
                    }
                }
            }

            if (history.Batch.IsEmpty)
            {
                break;
            }

            if (!TryReadRange(history.Batch, out var firstSeq, out var lastSeq, out var count))
            {
                // MessageService made this batch itself, so this is a bug there; the client hears what it misses.
                Log.HistoryUnavailable(logger, connection.RoomId, "the history page is not a valid batch frame");
                return Unavailable(connection, cursor, subscribedSeq, "history is unreadable");
            }

            connection.SendOwn(new OutgoingFrame(history.Batch.Memory, default, firstSeq, lastSeq, isBatch: true, hasPriority: true));
            cursor = lastSeq;
            replayed += count;
            if (cursor >= history.LatestSeq)
            {
                break;
            }
        }

        return cursor;
    }

    /// <summary>History cannot be read: live traffic starts where the subscription does, and the client is told what it misses.</summary>
    private static long Unavailable(EdgeConnection connection, long cursor, long subscribedSeq, string reason)
    {
        var resumeAt = Math.Max(cursor, subscribedSeq);
        if (resumeAt > cursor)
        {
            NotRecovered(connection, resumeAt, reason);
        }

        return resumeAt;
    }

    private static void NotRecovered(EdgeConnection connection, long lostUpTo, string reason) =>
        connection.SendOwn(OutgoingFrame.Control(FrameWriter.EncodeMessage(FrameType.NotRecovered, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            0, connection.RoomId, lostUpTo, null, reason, null)));

    private static bool TryReadRange(ByteString batchFrame, out long firstSeq, out long lastSeq, out int count)
    {
        var status = FrameReader.TryReadBatch(batchFrame.Span, out var batch);
        firstSeq = batch.FirstSeq;
        lastSeq = batch.LastSeq;
        count = batch.Count;
        return status == DecodeStatus.Ok && count > 0 && !batch.IsCompressed;
    }
}
