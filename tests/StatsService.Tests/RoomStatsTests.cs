using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Live.V1;

namespace Live.StatsService.Tests;

public sealed class RoomStatsTests(StatsEnvironment env) : IClassFixture<StatsEnvironment>
{
    [Fact]
    public async Task Room_stats_give_rates_unique_senders_gifts_and_viewers_and_are_pushed_every_second()
    {
        var room = await env.CreateLiveRoomAsync(801, "sports");
        await env.RoomClient.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id, UserId = 8_101 });
        await env.RoomClient.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id, UserId = 8_102 });
        var store = await env.NewStoreAsync();
        await using var host = await env.StartStatsAsync(store);
        var client = new StatsServiceClient(host.Channel);

        // 90 messages from 30 senders between 40 and 10 seconds ago: 1.5 messages/s over the last minute.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 90; i++)
        {
            env.ProduceMessage(room.Id, i + 1, 8_200 + (i % 30), now - 40_000 + i * 333);
        }

        // The gift's announcement in the room and a system notice ride on live-messages too; neither is chat.
        env.ProduceMessage(room.Id, 91, 8_300, now - 20_000, MessageKind.Gift);
        env.ProduceMessage(room.Id, 92, 0, now - 20_000, MessageKind.System);
        env.Produce(env.GiftEventsTopic, room.Id, new GiftEvent
        {
            IdempotencyKey = $"stats-{env.Suffix}", RoomId = room.Id, SenderUserId = 8_300, AnchorUserId = 801,
            GiftId = 3, GiftName = "Star", Count = 2, UnitPrice = 20, TotalValue = 40, SentAtMs = now,
        });
        await env.WaitCaughtUpAsync(store, TimeSpan.FromSeconds(60));

        var stats = await Eventually.ReadAsync(() => client.GetRoomStatsAsync(new GetRoomStatsRequest { RoomId = room.Id }).ResponseAsync, s => s.Viewers == 2);
        Assert.Equal(1.5, stats.MessagesPerSecond1M, 3);
        Assert.Equal(30, stats.UniqueSenders1H);
        Assert.Equal(40, stats.GiftValue);
        Assert.Equal(2, stats.GiftCount);
        Assert.Equal(2, stats.Viewers);
        Assert.True(stats.Live);
        Assert.Equal("sports", stats.Category);

        // A burst of 50 messages stamped now: once their second is complete, a pushed update shows 50 messages/s.
        using var watch = client.WatchRoomStats(new WatchRoomStatsRequest { RoomId = room.Id }, cancellationToken: new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        var burst = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 50; i++)
        {
            env.ProduceMessage(room.Id, 100 + i, 8_400 + i, burst);
        }

        env.Flush();
        var updates = new List<(DateTime At, RoomStats Stats)>();
        await foreach (var update in watch.ResponseStream.ReadAllAsync())
        {
            updates.Add((DateTime.UtcNow, update));
            if (update.MessagesPerSecond >= 50)
            {
                break;
            }
        }

        Assert.Equal(50, updates[^1].Stats.MessagesPerSecond);
        Assert.True(updates.Count >= 2, "the stream pushed only its first value");
        // Pushed about once a second (the first value is sent at once); loose bounds for a loaded machine.
        var gaps = updates.Skip(1).Zip(updates.Skip(2), (a, b) => (b.At - a.At).TotalMilliseconds).ToList();
        Assert.All(gaps, gap => Assert.InRange(gap, 400, 2_500));

        // The per-minute history holds every message once, with the minute's senders and viewers.
        var to = DateTimeOffset.UtcNow.AddMinutes(1);
        var history = await Eventually.ReadAsync(
            () => client.GetRoomHistoryAsync(new GetRoomHistoryRequest { RoomId = room.Id, From = Timestamp.FromDateTimeOffset(to.AddMinutes(-10)), To = Timestamp.FromDateTimeOffset(to) }).ResponseAsync,
            h => h.Minutes.Sum(m => m.Messages) == 140 && h.Minutes.Any(m => m.PeakViewers == 2));
        Assert.Equal(140, history.Minutes.Sum(m => m.Messages));
        Assert.Equal(2, history.Minutes.Sum(m => m.Gifts));
        Assert.Equal(40, history.Minutes.Sum(m => m.GiftValue));
        Assert.Equal(2, history.Minutes.Max(m => m.PeakViewers));
        Assert.All(history.Minutes.Zip(history.Minutes.Skip(1)), pair => Assert.True(pair.First.Minute < pair.Second.Minute));
        Assert.InRange(history.Minutes.Max(m => m.UniqueSenders), 30, 80);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.GetRoomHistoryAsync(new GetRoomHistoryRequest
        {
            RoomId = room.Id, From = Timestamp.FromDateTimeOffset(to.AddDays(-2)), To = Timestamp.FromDateTimeOffset(to),
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        host.Logs.AssertNoErrors();
    }
}
