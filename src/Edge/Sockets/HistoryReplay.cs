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
/// first when the history no longer reaches back that far, or when the client's seq belongs to an epoch that
/// is over (then the current epoch is replayed from its start; ADR 0007). Every not-recovered frame carries the
/// epoch the client is in after it, in the user id slot.
/// </summary>
public static class HistoryReplay
{
    /// <param name="from">The client's last seq, and the epoch it belongs to when <paramref name="epochKnown"/>.</param>
    /// <param name="live">Where this connection's held live traffic starts.</param>
    /// <returns>Where the client now is.</returns>
    public static async Task<StreamPosition> RunAsync(EdgeConnection connection, StreamPosition from, bool epochKnown, StreamPosition live,
        RelayClient relay, EdgeOptions settings, ILogger logger)
    {
        var after = from.Seq;
        var cursor = after;
        var replayed = 0;
        var first = true;
        var epoch = live.Epoch;
        var mayShare = true;
        while (replayed < settings.MaxReplayMessages)
        {
            GetHistoryResponse history;
            try
            {
                history = await relay.ReadHistoryAsync(connection.RoomId, cursor, Math.Min(500, settings.MaxReplayMessages - replayed), mayShare);
            }
            catch (RpcException ex)
            {
                Log.HistoryUnavailable(logger, connection.RoomId, $"{ex.StatusCode}: {ex.Status.Detail}");
                return Unavailable(connection, from, epochKnown && first, cursor, live, "history is unavailable");
            }

            epoch = history.Epoch;
            if (first)
            {
                if (epochKnown && from.Epoch != history.Epoch)
                {
                    NotRecovered(connection, after, history.Epoch,
                        $"epoch {from.Epoch} is over (the room's stream is in epoch {history.Epoch}): messages after {after} cannot be recovered");
                    epochKnown = false;
                    after = 0;
                    if (cursor != 0)
                    {
                        // The whole current epoch is new to the client: read it from its start.
                        cursor = 0;
                        continue;
                    }
                }

                first = false;
                if (after > history.LatestSeq)
                {
                    NotRecovered(connection, after, history.Epoch, $"last_seq {after} is ahead of the room (latest {history.LatestSeq}); its history was reset");
                    return new StreamPosition(history.LatestSeq, history.Epoch);
                }

                var oldestWanted = Math.Max(after + 1, history.LatestSeq - settings.MaxReplayMessages + 1);
                var oldestHeld = history.FirstAvailableSeq == 0 ? history.LatestSeq + 1 : history.FirstAvailableSeq;
                if (history.LatestSeq > after && Math.Max(oldestWanted, oldestHeld) > after + 1)
                {
                    var lostUpTo = Math.Max(oldestWanted, oldestHeld) - 1;
                    NotRecovered(connection, lostUpTo, history.Epoch, $"messages {after + 1}..{lostUpTo} are no longer in the room history");
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
                if (mayShare && EndsBeforeLive(history, cursor, live))
                {
                    mayShare = false;
                    continue;
                }

                break;
            }

            if (!TryReadRange(history.Batch, out var firstSeq, out var lastSeq, out var count))
            {
                // MessageService made this batch itself, so this is a bug there; the client hears what it misses.
                Log.HistoryUnavailable(logger, connection.RoomId, "the history page is not a valid batch frame");
                return Unavailable(connection, from, false, cursor, live, "history is unreadable");
            }

            connection.SendOwn(new OutgoingFrame(history.Batch.Memory, default, firstSeq, lastSeq, isBatch: true, hasPriority: true));
            cursor = lastSeq;
            replayed += count;
            if (cursor >= history.LatestSeq)
            {
                if (mayShare && EndsBeforeLive(history, cursor, live))
                {
                    mayShare = false;
                    continue;
                }

                break;
            }
        }

        return new StreamPosition(cursor, epoch);
    }

    /// <summary>
    /// A shared page (<see cref="RelayClient.ReadHistoryAsync"/>) may have been read before this connection joined: if
    /// it ends before the live traffic the connection holds, what lies between must be read afresh, or it would be a gap.
    /// </summary>
    private static bool EndsBeforeLive(GetHistoryResponse history, long cursor, StreamPosition live) =>
        history.Epoch == live.Epoch && cursor < live.Seq;

    /// <summary>
    /// History cannot be read: live traffic starts where the subscription does, and the client is told what it
    /// misses (everything after its seq when that seq is of another epoch).
    /// </summary>
    private static StreamPosition Unavailable(EdgeConnection connection, StreamPosition from, bool checkEpoch, long cursor, StreamPosition live, string reason)
    {
        if (checkEpoch && from.Epoch != live.Epoch)
        {
            NotRecovered(connection, from.Seq, live.Epoch, $"{reason}; epoch {from.Epoch} is over (now {live.Epoch})");
            return live;
        }

        var resumeAt = Math.Max(cursor, live.Seq);
        if (resumeAt > cursor)
        {
            NotRecovered(connection, resumeAt, live.Epoch, reason);
        }

        return new StreamPosition(resumeAt, live.Epoch);
    }

    private static void NotRecovered(EdgeConnection connection, long lostUpTo, long epoch, string reason) =>
        connection.SendOwn(OutgoingFrame.Control(FrameWriter.EncodeMessage(FrameType.NotRecovered, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            epoch, connection.RoomId, lostUpTo, null, reason, null)));
    private static bool TryReadRange(ByteString batchFrame, out long firstSeq, out long lastSeq, out int count)
    {
        var status = FrameReader.TryReadBatch(batchFrame.Span, out var batch);
        firstSeq = batch.FirstSeq;
        lastSeq = batch.LastSeq;
        count = batch.Count;
        return status == DecodeStatus.Ok && count > 0 && !batch.IsCompressed;
    }
}
