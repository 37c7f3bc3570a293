using System.Globalization;
using Live.ServiceDefaults.Grpc;
using Live.StatsService.Storage;
using Live.V1;
using StackExchange.Redis;

namespace Live.StatsService.Leaderboards;

/// <summary>
/// Reads the gift leaderboards the consumer keeps in sorted sets (score = coins). Ties rank by member in
/// descending order (Redis' ZREVRANGE), i.e. the larger user id first.
/// </summary>
public sealed class LeaderboardReader(IConnectionMultiplexer redis, StatsKeys keys, TimeProvider time)
{
    public async Task<Leaderboard> ReadAsync(GetLeaderboardRequest request)
    {
        var key = Key(request);
        var limit = request.Limit == 0 ? 10 : request.Limit;
        if (limit is < 1 or > 100)
        {
            RpcErrors.InvalidArgument($"limit must be 1..100; got {request.Limit}.");
        }

        var batch = redis.GetDatabase().CreateBatch();
        var top = batch.SortedSetRangeByRankWithScoresAsync(key, 0, limit - 1, Order.Descending);
        var total = batch.SortedSetLengthAsync(key);
        Task<long?>? rank = null;
        Task<double?>? score = null;
        if (request.UserId > 0)
        {
            rank = batch.SortedSetRankAsync(key, request.UserId, Order.Descending);
            score = batch.SortedSetScoreAsync(key, request.UserId);
        }

        batch.Execute();
        var board = new Leaderboard { Total = await total };
        var position = 0L;
        foreach (var entry in await top)
        {
            board.Entries.Add(new LeaderboardEntry
            {
                Rank = ++position,
                UserId = long.Parse(entry.Element.ToString(), NumberStyles.None, CultureInfo.InvariantCulture),
                Score = (long)entry.Score,
            });
        }

        if (rank is not null && score is not null && await rank is { } r && await score is { } s)
        {
            board.UserEntry = new LeaderboardEntry { Rank = r + 1, UserId = request.UserId, Score = (long)s };
        }

        return board;
    }

    private RedisKey Key(GetLeaderboardRequest request)
    {
        var period = request.Period == LeaderboardPeriod.Unspecified ? LeaderboardPeriod.AllTime : request.Period;
        switch (request.Kind)
        {
            case LeaderboardKind.RoomGifters:
                RpcErrors.RequirePositiveId(request.RoomId, "room_id");
                if (period != LeaderboardPeriod.AllTime)
                {
                    RpcErrors.InvalidArgument("room gifter boards are all-time only.");
                }

                return keys.RoomGifters(request.RoomId);
            case LeaderboardKind.TopAnchors:
                return period == LeaderboardPeriod.Day
                    ? keys.TopAnchorsOfDay(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime))
                    : keys.TopAnchors;
            default:
                RpcErrors.InvalidArgument($"kind must be ROOM_GIFTERS or TOP_ANCHORS; got {request.Kind}.");
                return default;
        }
    }
}
