using Grpc.Core;
using Live.ServiceClients.Rooms;
using Live.V1;

namespace Live.MessageService.Ingest;

/// <summary>Messages go only to rooms that exist and are live (RoomService, cached for a short TTL).</summary>
public sealed class RoomMustBeLive(RoomStatusCache rooms) : IIngestStep
{
    public ValueTask<IngestVerdict> CheckAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        if (message.RoomId <= 0)
        {
            return new(IngestVerdict.Reject(RejectReason.InvalidContent, $"room_id must be a positive id; got {message.RoomId}."));
        }

        var state = rooms.GetAsync(message.RoomId, cancellationToken);
        return state.IsCompletedSuccessfully ? new(Verdict(state.Result, message.RoomId)) : AwaitAsync(state, message.RoomId);
    }

    private static async ValueTask<IngestVerdict> AwaitAsync(ValueTask<RoomState> pending, long roomId)
    {
        try
        {
            return Verdict(await pending, roomId);
        }
        catch (RpcException ex)
        {
            return IngestVerdict.Reject(RejectReason.Unavailable, $"room service unavailable ({ex.StatusCode}); retry later.");
        }
    }

    private static IngestVerdict Verdict(RoomState state, long roomId) => state switch
    {
        RoomState.Live => IngestVerdict.Accept,
        RoomState.NotFound => IngestVerdict.Reject(RejectReason.RoomNotFound, $"room {roomId} does not exist."),
        _ => IngestVerdict.Reject(RejectReason.RoomNotLive, $"room {roomId} is not live."),
    };
}
