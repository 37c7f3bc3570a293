using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.V1;

namespace Live.MessageService.Admin;

/// <summary>
/// Who may moderate a room: admins and internal callers (identity from ServiceDefaults), and the room's
/// anchor as RoomService records it (GetRoom's anchor_user_id, read per call: admin calls are rare and an
/// anchor change must take effect at once).
/// </summary>
public sealed class RoomAuthority(RoomServiceClient rooms)
{
    /// <summary>The caller, when they may moderate <paramref name="roomId"/>; NOT_FOUND for a room that does not exist.</summary>
    public async Task<CallerIdentity> RequireModeratorAsync(ServerCallContext context, long roomId)
    {
        var caller = context.RequireSignedIn();
        RpcErrors.RequirePositiveId(roomId, "room_id");
        var anchor = await AnchorOfAsync(roomId, context.CancellationToken);
        if (!caller.IsPrivileged && caller.UserId != anchor)
        {
            RpcErrors.PermissionDenied($"{context.Method} is for admins and the anchor of room {roomId}; {caller} is neither.");
        }

        return caller;
    }

    private async Task<long> AnchorOfAsync(long roomId, CancellationToken cancellationToken)
    {
        try
        {
            var room = await rooms.GetRoomAsync(new GetRoomRequest { RoomId = roomId }, deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: cancellationToken);
            return room.AnchorUserId;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            RpcErrors.NotFound($"room {roomId} does not exist.");
            return 0;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            RpcErrors.Unavailable($"cannot check who moderates room {roomId}: room service answered {ex.StatusCode}; retry.");
            return 0;
        }
    }
}
