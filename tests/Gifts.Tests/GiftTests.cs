using System.Globalization;
using Grpc.Core;
using Live.StatsService.Tests;
using Live.Testing;
using Live.V1;
using MySqlConnector;

namespace Live.Gifts.Tests;

public sealed class GiftTests(StatsEnvironment env) : IClassFixture<StatsEnvironment>
{
    private const int Heart = 2;
    private const int HeartPrice = 5;

    [Fact]
    public async Task A_gift_retried_five_times_with_one_key_is_debited_recorded_published_and_counted_once()
    {
        var room = await env.CreateLiveRoomAsync(anchorUserId: 901, "music");
        const long sender = 9_001;
        await env.GiftClient.CreditWalletAsync(new CreditWalletRequest { UserId = sender, Amount = 1_000, IdempotencyKey = "credit-" + env.Suffix + "-a" });
        var key = "gift-" + env.Suffix + "-retried";
        var request = new SendGiftRequest { IdempotencyKey = key, RoomId = room.Id, SenderUserId = sender, GiftId = Heart, Count = 3 };

        // Two sends race (a client retry while the first is in flight), then three more retries follow.
        var racing = await Task.WhenAll(env.GiftClient.SendGiftAsync(request).ResponseAsync, env.GiftClient.SendGiftAsync(request).ResponseAsync);
        var responses = racing.ToList();
        for (var i = 0; i < 3; i++)
        {
            responses.Add(await env.GiftClient.SendGiftAsync(request));
        }

        Assert.Single(responses, r => !r.Replayed);
        Assert.All(responses, r => Assert.Equal(responses[0].Receipt, r.Receipt));
        Assert.Equal(3 * HeartPrice, responses[0].Receipt.TotalValue);
        Assert.Equal(1_000 - 3 * HeartPrice, responses[0].Receipt.BalanceAfter);
        Assert.Equal(901, responses[0].Receipt.AnchorUserId);
        Assert.Equal(1_000 - 3 * HeartPrice, (await env.GiftClient.GetWalletAsync(new GetWalletRequest { UserId = sender })).Balance);
        Assert.Equal(1, await CountAsync($"SELECT COUNT(*) FROM gift_ledger WHERE idempotency_key = '{key}'"));

        var published = await KafkaTopicReader.ReadAsync(env.GiftEventsTopic, r => GiftEvent.Parser.ParseFrom(r.Message.Value).IdempotencyKey == key, expected: 2, TimeSpan.FromSeconds(5));
        var evt = GiftEvent.Parser.ParseFrom(Assert.Single(published).Message.Value);
        Assert.Equal(room.Id.ToString(CultureInfo.InvariantCulture), published[0].Message.Key);
        Assert.Equal(15, evt.TotalValue);

        // The relay publishes at least once: the same event four more times, as after relay crashes. StatsService
        // must still count the gift once, in Redis and in the rollups.
        for (var i = 0; i < 4; i++)
        {
            env.Produce(env.GiftEventsTopic, room.Id, evt);
        }

        var store = await env.NewStoreAsync();
        await using var stats = await env.StartStatsAsync(store);
        await env.WaitCaughtUpAsync(store, TimeSpan.FromSeconds(60));
        var client = new StatsServiceClient(stats.Channel);
        var board = await client.GetLeaderboardAsync(new GetLeaderboardRequest { Kind = LeaderboardKind.RoomGifters, RoomId = room.Id });
        Assert.Equal(15, Assert.Single(board.Entries).Score);
        var anchors = await client.GetLeaderboardAsync(new GetLeaderboardRequest { Kind = LeaderboardKind.TopAnchors, UserId = 901 });
        Assert.Equal(15, anchors.UserEntry.Score);
        var roomStats = await client.GetRoomStatsAsync(new GetRoomStatsRequest { RoomId = room.Id });
        Assert.Equal(15, roomStats.GiftValue);
        Assert.Equal(3, roomStats.GiftCount);
        var rollups = await store.RollupsAsync();
        Assert.Contains(rollups, r => r.StartsWith($"{room.Id} ", StringComparison.Ordinal) && r.Contains(" g=3 v=15 ", StringComparison.Ordinal));
        stats.Logs.AssertNoErrors();
    }

    [Fact]
    public async Task A_hundred_concurrent_debits_never_take_a_wallet_below_zero()
    {
        var room = await env.CreateLiveRoomAsync(anchorUserId: 902, "chat");
        const long sender = 9_002;
        // Enough for exactly 50 hearts.
        await env.GiftClient.CreditWalletAsync(new CreditWalletRequest { UserId = sender, Amount = 50 * HeartPrice, IdempotencyKey = "credit-" + env.Suffix + "-b" });

        // 100 sends contend for one wallet row; a client retries UNAVAILABLE (a lock wait past the command
        // timeout on a loaded machine) with the same key, as any client of SendGift should.
        var sends = Enumerable.Range(0, 100).Select(async i =>
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await env.GiftClient.SendGiftAsync(new SendGiftRequest { IdempotencyKey = $"debit-{env.Suffix}-{i}", RoomId = room.Id, SenderUserId = sender, GiftId = Heart, Count = 1 });
                    return StatusCode.OK;
                }
                catch (RpcException ex) when (ex.StatusCode != StatusCode.Unavailable || attempt == 5)
                {
                    return ex.StatusCode;
                }
                catch (RpcException)
                {
                    await Task.Delay(100);
                }
            }
        });
        var outcomes = await Task.WhenAll(sends);

        Assert.Equal(50, outcomes.Count(o => o == StatusCode.OK));
        Assert.Equal(50, outcomes.Count(o => o == StatusCode.FailedPrecondition));
        Assert.Equal(0, (await env.GiftClient.GetWalletAsync(new GetWalletRequest { UserId = sender })).Balance);
        Assert.Equal(50, await CountAsync($"SELECT COUNT(*) FROM gift_ledger WHERE sender_user_id = {sender}"));
        Assert.Equal(50 * HeartPrice, await CountAsync($"SELECT SUM(total_value) FROM gift_ledger WHERE sender_user_id = {sender}"));
        Assert.Equal(0, await CountAsync($"SELECT MIN(balance_after) FROM gift_ledger WHERE sender_user_id = {sender}"));
    }

    [Fact]
    public async Task Sends_that_cannot_be_honoured_fail_with_a_reason_and_debit_nothing()
    {
        var live = await env.CreateLiveRoomAsync(anchorUserId: 903, "gaming");
        var idle = await env.RoomClient.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 904, Title = "idle", Category = "chat" });
        const long sender = 9_003;
        await env.GiftClient.CreditWalletAsync(new CreditWalletRequest { UserId = sender, Amount = 100, IdempotencyKey = "credit-" + env.Suffix + "-c" });

        async Task<StatusCode> Send(string key, long roomId, int giftId, int count, long from = sender)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => env.GiftClient.SendGiftAsync(new SendGiftRequest
            {
                IdempotencyKey = key, RoomId = roomId, SenderUserId = from, GiftId = giftId, Count = count,
            }).ResponseAsync);
            return error.StatusCode;
        }

        Assert.Equal(StatusCode.FailedPrecondition, await Send("c1-" + env.Suffix, idle.Id, Heart, 1));
        Assert.Equal(StatusCode.NotFound, await Send("c2-" + env.Suffix, live.Id, 999, 1));
        Assert.Equal(StatusCode.InvalidArgument, await Send("c3-" + env.Suffix, live.Id, Heart, 0));
        Assert.Equal(StatusCode.InvalidArgument, await Send("bad key!", live.Id, Heart, 1));
        Assert.Equal(StatusCode.InvalidArgument, await Send("c4-" + env.Suffix, live.Id, Heart, 1, from: 903));
        // 21 hearts cost 105 coins.
        Assert.Equal(StatusCode.FailedPrecondition, await Send("c5-" + env.Suffix, live.Id, Heart, 21));

        var key = "c6-" + env.Suffix;
        await env.GiftClient.SendGiftAsync(new SendGiftRequest { IdempotencyKey = key, RoomId = live.Id, SenderUserId = sender, GiftId = 1, Count = 1 });
        Assert.Equal(StatusCode.InvalidArgument, await Send(key, live.Id, Heart, 1));
        Assert.Equal(99, (await env.GiftClient.GetWalletAsync(new GetWalletRequest { UserId = sender })).Balance);

        var catalog = await env.GiftClient.ListGiftsAsync(new ListGiftsRequest());
        Assert.Equal(["Rose", "Heart", "Star", "Fireworks", "Rocket", "Castle"], catalog.Gifts.Select(g => g.Name));
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new MySqlConnection(env.GiftsConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
