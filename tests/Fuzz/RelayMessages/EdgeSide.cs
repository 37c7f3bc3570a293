using Live.Edge.Connections;
using Live.Edge.Rooms;
using Live.Protocol;
using Live.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace Live.Fuzz.RelayMessages;

/// <summary>
/// A RelayDown through what the Edge does with it (src/Edge/Relay/RelayStream.Dispatch and what it calls): the
/// room's state (a real <see cref="LocalRoom"/>, without connections), and for its bytes what every connection of
/// the room does with them — each client format's form (binary, zstd, JSON conversion), the resuming reader's
/// subset and the slow reader's priority-only subset — and the error frame a refusal becomes.
/// </summary>
public static class EdgeSide
{
    public static void Interpret(RelayDown down)
    {
        switch (down.KindCase)
        {
            case RelayDown.KindOneofCase.Batch:
                var batch = down.Batch;
                RoomOf(batch.RoomId).Deliver(batch);
                var frame = new OutgoingFrame(batch.Frame.Memory, batch.CompressedFrame.Memory, batch.FirstSeq, batch.LastSeq,
                    isBatch: true, hasPriority: batch.HasPriority);
                WriteToEveryFormat(frame);
                WriteToEveryFormat(frame.PriorityOnly());
                // A reader that resumed somewhere inside the batch (EdgeConnection's watermark).
                WriteToEveryFormat(frame.After(batch.FirstSeq + (batch.LastSeq - batch.FirstSeq) / 2));
                break;
            case RelayDown.KindOneofCase.Subscribed:
                RoomOf(down.Subscribed.RoomId).OnSubscribed(down.Subscribed.LatestSeq, down.Subscribed.Epoch);
                break;
            case RelayDown.KindOneofCase.Rejected:
                var rejected = down.Rejected;
                // EdgeConnection.SendError: the refusal as an error frame to its sender.
                WriteToEveryFormat(OutgoingFrame.Control(FrameWriter.EncodeError(
                    RejectReasonTable.ErrorCodeOf(rejected.Reason), 1_700_000_000_000, rejected.RoomId, rejected.Detail, rejected.RetryAfterMs)));
                break;
            case RelayDown.KindOneofCase.Own:
                WriteToEveryFormat(OutgoingFrame.Control(down.Own.Frame.Memory));
                break;
            case RelayDown.KindOneofCase.Control:
                OnControl(down.Control);
                break;
            case RelayDown.KindOneofCase.User:
                WriteToEveryFormat(OutgoingFrame.Control(down.User.Frame.Memory));
                break;
        }
    }

    /// <summary>RelayStream.OnControl: a resume frame starts a new epoch; anything else goes to every connection.</summary>
    private static void OnControl(RoomControl control)
    {
        var room = RoomOf(control.RoomId);
        var frame = control.Frame.Memory;
        if (FrameReader.TryReadHeader(frame.Span, out var type, out _) == DecodeStatus.Ok && type == FrameType.Resume)
        {
            room.OnEpochChanged(frame);
            return;
        }

        room.Deliver(OutgoingFrame.Control(frame));
        WriteToEveryFormat(OutgoingFrame.Control(frame));
    }

    private static LocalRoom RoomOf(long roomId) =>
        new(roomId, writers: 1, parallelFanoutMinConnections: 64, maxQueuedFramesPerWriter: 16, NullLogger.Instance);

    /// <summary>What ConnectionOutbox takes from a frame for a client of each format.</summary>
    private static void WriteToEveryFormat(OutgoingFrame? frame)
    {
        if (frame is null)
        {
            return;
        }

        _ = frame.BytesFor(ClientFormat.Binary);
        _ = frame.BytesFor(ClientFormat.BinaryZstd);
        _ = frame.BytesFor(ClientFormat.Json);
    }
}
