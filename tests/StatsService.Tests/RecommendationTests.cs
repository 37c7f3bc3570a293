using Grpc.Core;
using Live.V1;

namespace Live.StatsService.Tests;

public sealed class RecommendationTests(StatsEnvironment env) : IClassFixture<StatsEnvironment>
{
    [Fact]
    public async Task Followed_anchors_then_watched_categories_then_hot_rooms_with_a_cap_per_category_and_no_recent_rooms()
    {
        // Heat from gifts only (coins/min = value/300·60): chat 120, 80, 40; music 60, 30, 10; gaming ≈ 0.
        var followedRoom = await env.CreateLiveRoomAsync(701, "gaming", "followed anchor");
        var music1 = await env.CreateLiveRoomAsync(711, "music", "m1");
        var music2 = await env.CreateLiveRoomAsync(712, "music", "m2");
        var music3 = await env.CreateLiveRoomAsync(713, "music", "m3");
        var chat1 = await env.CreateLiveRoomAsync(721, "chat", "c1");
        var chat2 = await env.CreateLiveRoomAsync(722, "chat", "c2");
        var chat3 = await env.CreateLiveRoomAsync(723, "chat", "c3");
        var watching = await env.CreateLiveRoomAsync(799, "music", "the room the user is in");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var gifts = new (Room Room, long Value)[] { (chat1, 600), (chat2, 400), (chat3, 200), (music1, 300), (music2, 150), (music3, 50) };
        foreach (var (room, value) in gifts)
        {
            env.Produce(env.GiftEventsTopic, room.Id, new GiftEvent
            {
                IdempotencyKey = $"rec-{env.Suffix}-{room.Id}", RoomId = room.Id, SenderUserId = 7_900, AnchorUserId = room.AnchorUserId,
                GiftId = 1, GiftName = "Rose", Count = 1, UnitPrice = value, TotalValue = value, SentAtMs = now,
            });
        }

        // The user chats in a music room: history (music affinity 1.0), and a room to leave out.
        const long user = 7_001;
        for (var i = 0; i < 3; i++)
        {
            env.ProduceMessage(watching.Id, i + 1, user, now - i);
        }

        env.ProduceMessage(followedRoom.Id, 1, 7_999, now);

        var store = await env.NewStoreAsync();
        await using var host = await env.StartStatsAsync(store);
        var client = new StatsServiceClient(host.Channel);
        await client.FollowAsync(new FollowRequest { UserId = user, AnchorUserId = 701 });
        await client.FollowAsync(new FollowRequest { UserId = user, AnchorUserId = 701 });
        Assert.Equal([701L], (await client.ListFollowingAsync(new ListFollowingRequest { UserId = user })).AnchorUserIds);
        await env.WaitCaughtUpAsync(store, TimeSpan.FromSeconds(60));

        // followed 3 + heat ≈ 0; music 2·1.0 + heat/120; chat 0 + heat/120. Cap 2 per category, then fill.
        long[] expected = [followedRoom.Id, music1.Id, music2.Id, chat1.Id, chat2.Id, music3.Id];
        var recommended = await Eventually.ReadAsync(
            () => client.RecommendRoomsAsync(new RecommendRoomsRequest { UserId = user, Limit = 6 }).ResponseAsync,
            r => r.Rooms.Select(x => x.RoomId).SequenceEqual(expected));
        Assert.Equal(expected, recommended.Rooms.Select(r => r.RoomId));
        Assert.False(recommended.ColdStart);
        Assert.Equal(
            [RecommendationSource.Followed, RecommendationSource.Category, RecommendationSource.Category, RecommendationSource.Hot, RecommendationSource.Hot, RecommendationSource.Category],
            recommended.Rooms.Select(r => r.Source));
        Assert.DoesNotContain(recommended.Rooms, r => r.RoomId == watching.Id);

        // A user with no follows and no history gets hot rooms, diversified the same way. Heat is ranked every
        // interval from what Redis holds, which may trail the MySQL watermarks waited for above by a batch:
        // the order above holds with or without gift heat (room ids break ties), this one only with it.
        long[] hot = [chat1.Id, chat2.Id, music1.Id, music2.Id, followedRoom.Id];
        var cold = await Eventually.ReadAsync(
            () => client.RecommendRoomsAsync(new RecommendRoomsRequest { UserId = 7_002, Limit = 5 }).ResponseAsync,
            r => r.Rooms.Select(x => x.RoomId).SequenceEqual(hot));
        Assert.True(cold.ColdStart);
        Assert.Equal(hot, cold.Rooms.Select(r => r.RoomId));
        Assert.All(cold.Rooms, r => Assert.Equal(RecommendationSource.Hot, r.Source));

        // Unfollowing drops the followed room to its heat.
        await client.UnfollowAsync(new UnfollowRequest { UserId = user, AnchorUserId = 701 });
        Assert.Empty((await client.ListFollowingAsync(new ListFollowingRequest { UserId = user })).AnchorUserIds);
        var after = await client.RecommendRoomsAsync(new RecommendRoomsRequest { UserId = user, Limit = 3 });
        Assert.Equal([music1.Id, music2.Id, chat1.Id], after.Rooms.Select(r => r.RoomId));

        var self = await Assert.ThrowsAsync<RpcException>(() => client.FollowAsync(new FollowRequest { UserId = 701, AnchorUserId = 701 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, self.StatusCode);
        host.Logs.AssertNoErrors();
    }
}
