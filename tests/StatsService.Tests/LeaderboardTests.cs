using Grpc.Core;
using Live.V1;

namespace Live.StatsService.Tests;

public sealed class LeaderboardTests(StatsEnvironment env) : IClassFixture<StatsEnvironment>
{
    [Fact]
    public async Task Room_gifters_and_top_anchors_rank_by_coins_and_give_a_users_own_rank()
    {
        var a = await env.CreateLiveRoomAsync(501, "chat");
        var b = await env.CreateLiveRoomAsync(502, "music");
        var c = await env.CreateLiveRoomAsync(503, "gaming");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var n = 0;
        GiftEvent Gift(Room room, long sender, long value) => new()
        {
            IdempotencyKey = $"lb-{env.Suffix}-{++n}",
            RoomId = room.Id,
            SenderUserId = sender,
            AnchorUserId = room.AnchorUserId,
            GiftId = 1,
            GiftName = "Rose",
            Count = (int)value,
            UnitPrice = 1,
            TotalValue = value,
            SentAtMs = now,
        };

        var gifts = new[]
        {
            Gift(a, 11, 100), Gift(a, 12, 500), Gift(a, 13, 50), Gift(a, 13, 100), Gift(a, 11, 25),
            Gift(b, 11, 1_000),
            Gift(c, 14, 200),
        };
        foreach (var gift in gifts)
        {
            env.Produce(env.GiftEventsTopic, gift.RoomId, gift);
        }

        // A republished gift (same key) changes nothing; a record that is not a GiftEvent is skipped, not retried.
        env.Produce(env.GiftEventsTopic, a.Id, gifts[1]);
        env.ProduceRaw(env.GiftEventsTopic, a.Id, [0x0B, 0x00]);

        var store = await env.NewStoreAsync();
        await using var host = await env.StartStatsAsync(store);
        await env.WaitCaughtUpAsync(store, TimeSpan.FromSeconds(60));
        var client = new StatsServiceClient(host.Channel);

        var room = await client.GetLeaderboardAsync(new GetLeaderboardRequest { Kind = LeaderboardKind.RoomGifters, RoomId = a.Id, UserId = 11 });
        Assert.Equal([(1L, 12L, 500L), (2, 13, 150), (3, 11, 125)], room.Entries.Select(e => (e.Rank, e.UserId, e.Score)));
        Assert.Equal((3L, 11L, 125L), (room.UserEntry.Rank, room.UserEntry.UserId, room.UserEntry.Score));
        Assert.Equal(3, room.Total);

        var top2 = await client.GetLeaderboardAsync(new GetLeaderboardRequest { Kind = LeaderboardKind.RoomGifters, RoomId = a.Id, Limit = 2, UserId = 11 });
        Assert.Equal([12L, 13L], top2.Entries.Select(e => e.UserId));
        Assert.Equal(3, top2.UserEntry.Rank);

        var absent = await client.GetLeaderboardAsync(new GetLeaderboardRequest { Kind = LeaderboardKind.RoomGifters, RoomId = a.Id, UserId = 99 });
        Assert.Null(absent.UserEntry);

        foreach (var period in new[] { LeaderboardPeriod.AllTime, LeaderboardPeriod.Day })
        {
            var anchors = await client.GetLeaderboardAsync(new GetLeaderboardRequest { Kind = LeaderboardKind.TopAnchors, Period = period, UserId = 501 });
            Assert.Equal([(502L, 1_000L), (501, 775), (503, 200)], anchors.Entries.Select(e => (e.UserId, e.Score)));
            Assert.Equal(2, anchors.UserEntry.Rank);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => client.GetLeaderboardAsync(new GetLeaderboardRequest { Kind = LeaderboardKind.RoomGifters }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        host.Logs.AssertNoErrors();
    }
}
