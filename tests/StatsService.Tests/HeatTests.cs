using Live.V1;

namespace Live.StatsService.Tests;

public sealed class HeatTests(StatsEnvironment env) : IClassFixture<StatsEnvironment>
{
    [Fact]
    public async Task Hot_rooms_rank_by_viewers_message_rate_and_decayed_gift_value_per_category()
    {
        // Defaults: heat = 1·viewers + 10·messages/s + 1·coins/min, decay τ = 60 s (messages) and 300 s (gifts).
        var viewersOnly = await env.CreateLiveRoomAsync(601, "chat", "five viewers");
        var chatty = await env.CreateLiveRoomAsync(602, "chat", "120 messages just now");
        var gifted = await env.CreateLiveRoomAsync(603, "music", "500 coins just now");
        var giftedLongAgo = await env.CreateLiveRoomAsync(604, "chat", "5000 coins 30 minutes ago");
        var ended = await env.CreateLiveRoomAsync(605, "chat", "ended");
        for (var user = 1; user <= 5; user++)
        {
            await env.RoomClient.JoinRoomAsync(new JoinRoomRequest { RoomId = viewersOnly.Id, UserId = 6_100 + user });
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 120; i++)
        {
            // M ≈ 120 → 120/60 = 2 messages/s → heat ≈ 20.
            env.ProduceMessage(chatty.Id, i + 1, 6_200 + (i % 10), now - 1_000 + i);
            env.ProduceMessage(ended.Id, i + 1, 6_200 + (i % 10), now);
        }

        // G = 500 → 500/300·60 = 100 coins/min; G = 5000·e^(−1800/300) ≈ 12.4 → ≈ 2.5 coins/min.
        env.Produce(env.GiftEventsTopic, gifted.Id, Gift(gifted, 500, now, "fresh"));
        env.Produce(env.GiftEventsTopic, giftedLongAgo.Id, Gift(giftedLongAgo, 5_000, now - 30 * 60_000, "old"));
        env.Produce(env.GiftEventsTopic, ended.Id, Gift(ended, 100_000, now, "ended"));
        await env.RoomClient.StopLiveAsync(new StopLiveRequest { RoomId = ended.Id });

        var store = await env.NewStoreAsync();
        await using var host = await env.StartStatsAsync(store);
        await env.WaitCaughtUpAsync(store, TimeSpan.FromSeconds(60));
        var client = new StatsServiceClient(host.Channel);

        var hot = await Eventually.ReadAsync(
            () => client.GetHotRoomsAsync(new GetHotRoomsRequest()).ResponseAsync,
            r => r.Rooms.Count == 4 && r.Rooms.Any(x => x.RoomId == viewersOnly.Id && x.Heat >= 5));
        Assert.Equal([gifted.Id, chatty.Id, viewersOnly.Id, giftedLongAgo.Id], hot.Rooms.Select(r => r.RoomId));
        Assert.InRange(hot.Rooms[0].Heat, 90, 100.5);
        Assert.InRange(hot.Rooms[1].Heat, 14, 20.5);
        Assert.InRange(hot.Rooms[2].Heat, 5, 5.01);
        Assert.InRange(hot.Rooms[3].Heat, 2.3, 2.6);
        Assert.Equal("music", hot.Rooms[0].Category);
        Assert.Equal(603, hot.Rooms[0].AnchorUserId);
        Assert.Equal(5, hot.Rooms[2].Viewers);

        var chat = await client.GetHotRoomsAsync(new GetHotRoomsRequest { Category = "chat" });
        Assert.Equal([chatty.Id, viewersOnly.Id, giftedLongAgo.Id], chat.Rooms.Select(r => r.RoomId));
        var music = await client.GetHotRoomsAsync(new GetHotRoomsRequest { Category = "music", Limit = 1 });
        Assert.Equal([gifted.Id], music.Rooms.Select(r => r.RoomId));
        Assert.Empty((await client.GetHotRoomsAsync(new GetHotRoomsRequest { Category = "sports" })).Rooms);
        host.Logs.AssertNoErrors();
    }

    private GiftEvent Gift(Room room, long value, long timeMs, string name) => new()
    {
        IdempotencyKey = $"heat-{env.Suffix}-{name}",
        RoomId = room.Id,
        SenderUserId = 6_300,
        AnchorUserId = room.AnchorUserId,
        GiftId = 1,
        GiftName = "Rose",
        Count = 1,
        UnitPrice = value,
        TotalValue = value,
        SentAtMs = timeMs,
    };
}
