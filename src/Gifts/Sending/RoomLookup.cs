using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.V1;

namespace Live.Gifts.Sending;

/// <summary>
/// The room a gift goes to, from RoomService: it must exist and be live, and its anchor is written into the
/// ledger and the event (so consumers never need to look it up, and a replay sees the anchor of the time).
/// </summary>
public sealed class RoomLookup(RoomServiceClient rooms)
{

    public async Task<Room> RequireLiveRoomAsync(long roomId, CancellationToken ct)
    {
        Room room;
        try
        {
            room = await rooms.GetRoomAsync(new GetRoomRequest { RoomId = roomId }, deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: ct);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"room {roomId} does not exist."));
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"RoomService could not be asked about room {roomId}; retry with the same idempotency key."));
        }

        if (room.Status != RoomStatus.Live)
        {
            RpcErrors.FailedPrecondition($"room {roomId} is not live; gifts can be sent only during a broadcast.");
        }

        return room;
    }
}
