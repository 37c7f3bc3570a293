using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Identity;
using Live.StatsService.Heat;
using Live.StatsService.Leaderboards;
using Live.StatsService.Recommendations;
using Live.StatsService.Rollups;
using Live.StatsService.Rooms;
using Live.V1;

namespace Live.StatsService.Grpc;

public sealed class StatsGrpcService(
    RoomStatsReader stats,
    RoomStatsFeed feed,
    LeaderboardReader leaderboards,
    HotRoomsReader hotRooms,
    RoomHistoryReader history,
    FollowStore follows,
    RoomRecommender recommender) : Live.V1.StatsService.StatsServiceBase
{
    public override Task<RoomStats> GetRoomStats(GetRoomStatsRequest request, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        return stats.ReadAsync(request.RoomId);
    }

    public override async Task WatchRoomStats(WatchRoomStatsRequest request, IServerStreamWriter<RoomStats> responseStream, ServerCallContext context)
    {
        RpcErrors.RequirePositiveId(request.RoomId, "room_id");
        using var subscription = feed.Subscribe(request.RoomId)
            ?? throw new RpcException(new Status(StatusCode.ResourceExhausted, "This StatsService serves as many stat streams as it may; retry later or poll GetRoomStats."));
        await responseStream.WriteAsync(await stats.ReadAsync(request.RoomId), context.CancellationToken);
        try
        {
            await foreach (var update in subscription.Updates.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(update, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The caller went away.
        }
    }

    public override Task<Leaderboard> GetLeaderboard(GetLeaderboardRequest request, ServerCallContext context) =>
        leaderboards.ReadAsync(request);

    public override Task<GetHotRoomsResponse> GetHotRooms(GetHotRoomsRequest request, ServerCallContext context) =>
        hotRooms.ReadAsync(request.Category, request.Limit);

    public override Task<GetRoomHistoryResponse> GetRoomHistory(GetRoomHistoryRequest request, ServerCallContext context) =>
        history.ReadAsync(request, context.CancellationToken);

    public override async Task<FollowResponse> Follow(FollowRequest request, ServerCallContext context)
    {
        var userId = context.RequireSignedIn().ActingFor(request.UserId, "user_id");
        RpcErrors.RequirePositiveId(userId, "user_id");
        RpcErrors.RequirePositiveId(request.AnchorUserId, "anchor_user_id");
        await follows.FollowAsync(userId, request.AnchorUserId, context.CancellationToken);
        return new FollowResponse { Following = true };
    }

    public override async Task<FollowResponse> Unfollow(UnfollowRequest request, ServerCallContext context)
    {
        var userId = context.RequireSignedIn().ActingFor(request.UserId, "user_id");
        RpcErrors.RequirePositiveId(userId, "user_id");
        RpcErrors.RequirePositiveId(request.AnchorUserId, "anchor_user_id");
        await follows.UnfollowAsync(userId, request.AnchorUserId, context.CancellationToken);
        return new FollowResponse { Following = false };
    }

    public override async Task<ListFollowingResponse> ListFollowing(ListFollowingRequest request, ServerCallContext context)
    {
        var userId = context.RequireSignedIn().ActingFor(request.UserId, "user_id");
        RpcErrors.RequirePositiveId(userId, "user_id");
        var response = new ListFollowingResponse();
        response.AnchorUserIds.AddRange(await follows.ListAsync(userId, context.CancellationToken));
        return response;
    }

    public override Task<RecommendRoomsResponse> RecommendRooms(RecommendRoomsRequest request, ServerCallContext context)
    {
        var userId = context.RequireSignedIn().ActingFor(request.UserId, "user_id");
        RpcErrors.RequirePositiveId(userId, "user_id");
        var limit = request.Limit == 0 ? 10 : request.Limit;
        if (limit is < 1 or > 50)
        {
            RpcErrors.InvalidArgument($"limit must be 1..50; got {request.Limit}.");
        }

        return recommender.RecommendAsync(userId, limit, context.CancellationToken);
    }
}
