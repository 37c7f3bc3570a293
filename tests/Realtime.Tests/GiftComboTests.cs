using System.Diagnostics;
using Grpc.Core;
using Live.Protocol;
using Live.Testing;
using Live.V1;

namespace Live.Realtime.Tests;

/// <summary>
/// Gifts sent through MessageService's GiftService reach the room as combo messages (issue 6). Sends go to
/// MessageService A or B and viewers sit on Edge B, so streaks and their messages cross nodes through Redis.
/// </summary>
[Collection(RealtimeCollection.Name)]
public sealed class GiftComboTests(RealtimeFixture fixture)
{
    private const int Rose = 1;
    private const int Heart = 2;
    private const long Funds = 100_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(RealtimeFixture.GiftFlushIntervalMs);

    private GiftServiceClient GiftsA => new(fixture.MessagesA.Channel);
    private GiftServiceClient GiftsB => new(fixture.MessagesB.Channel);

    [Fact]
    public async Task A_gift_reaches_a_viewer_on_the_other_node_as_a_gift_frame_and_is_recorded_for_gift_events()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var sender = await FundedUserAsync();
        await using var viewer = await JoinAsync(room.Id);

        var key = NewKey();
        var sent = await SendAsync(GiftsA, room.Id, sender, Rose, 1, key);

        Assert.False(sent.Replayed);
        var gift = await viewer.WaitForAsync(e => e.Type == FrameType.Gift, Patience);
        Assert.Equal("Rose ×1", gift.Content);
        Assert.Equal(sender, gift.UserId);
        Assert.Equal("user" + sender, gift.UserName);
        Assert.True(gift.Seq > 0);
        var events = await KafkaTopicReader.ReadAsync("gift-events", r => GiftEvent.Parser.ParseFrom(r.Message.Value).IdempotencyKey == key, 1, Patience);
        Assert.Equal(sent.Receipt.LedgerId, GiftEvent.Parser.ParseFrom(Assert.Single(events).Message.Value).LedgerId);
    }

    [Fact]
    public async Task A_gift_a_service_sends_for_a_user_shows_the_user_s_display_name_from_UserService()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var users = new UserServiceClient(fixture.Users.Channel);
        var profile = await users.RegisterAsync(new RegisterRequest
        {
            Username = "gifter" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Password = "correct horse battery",
            DisplayName = "Generous Gifter",
        });
        await GiftsA.CreditWalletAsync(new CreditWalletRequest { UserId = profile.UserId, Amount = Funds, IdempotencyKey = NewKey() });
        await using var viewer = await JoinAsync(room.Id);

        // An internal caller (a payment or campaign service) sends for the user: its call carries no name.
        await GiftsA.SendGiftAsync(new SendGiftRequest { IdempotencyKey = NewKey(), RoomId = room.Id, SenderUserId = profile.UserId, GiftId = Rose, Count = 1 });

        var gift = await viewer.WaitForAsync(e => e.Type == FrameType.Gift, Patience);
        Assert.Equal(profile.UserId, gift.UserId);
        Assert.Equal("Generous Gifter", gift.UserName);
    }

    [Fact]
    public async Task Quick_repeats_on_both_nodes_form_one_streak_whose_totals_only_grow_and_are_coalesced()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var sender = await FundedUserAsync();
        await using var viewer = await JoinAsync(room.Id);

        var elapsed = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            await SendAsync(i % 2 == 0 ? GiftsA : GiftsB, room.Id, sender, Heart, 1, NewKey());
        }

        elapsed.Stop();
        var totals = await GiftsUntilAsync(viewer, "Heart ×5");
        // Nothing follows the last total.
        Assert.DoesNotContain(await viewer.DrainAsync(FlushInterval + TimeSpan.FromMilliseconds(500)), e => e.Type == FrameType.Gift);

        Assert.Equal("Heart ×1", totals[0].Content);
        var numbers = totals.Select(e => TotalOf(e.Content)).ToList();
        Assert.Equal(numbers.Order(), numbers);
        Assert.Equal(numbers.Count, numbers.Distinct().Count());
        Assert.All(totals, e => Assert.Equal(sender, e.UserId));
        if (elapsed.Elapsed < FlushInterval)
        {
            // The four sends after the first fell into its flush interval: one update shows them all.
            Assert.Equal(["Heart ×1", "Heart ×5"], totals.Select(e => e.Content));
        }
    }

    [Fact]
    public async Task Another_gift_or_another_sender_starts_a_streak_of_its_own()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var first = await FundedUserAsync();
        var second = await FundedUserAsync();
        await using var viewer = await JoinAsync(room.Id);

        await SendAsync(GiftsA, room.Id, first, Rose, 2, NewKey());
        await SendAsync(GiftsB, room.Id, first, Heart, 1, NewKey());
        await SendAsync(GiftsA, room.Id, second, Rose, 1, NewKey());
        await SendAsync(GiftsB, room.Id, first, Rose, 3, NewKey());

        var gifts = await GiftsUntilAsync(viewer, "Rose ×5");
        Assert.Equal(
            [(first, "Rose ×2"), (first, "Heart ×1"), (second, "Rose ×1"), (first, "Rose ×5")],
            gifts.Select(e => (e.UserId, e.Content)));
    }

    [Fact]
    public async Task A_replayed_send_publishes_nothing_and_does_not_count_into_the_streak()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var sender = await FundedUserAsync();
        await using var viewer = await JoinAsync(room.Id);
        var key = NewKey();
        await SendAsync(GiftsA, room.Id, sender, Rose, 3, key);
        Assert.Equal("Rose ×3", (await viewer.WaitForAsync(e => e.Type == FrameType.Gift, Patience)).Content);

        var replayed = await SendAsync(GiftsB, room.Id, sender, Rose, 3, key);

        Assert.True(replayed.Replayed);
        Assert.DoesNotContain(await viewer.DrainAsync(FlushInterval + TimeSpan.FromMilliseconds(500)), e => e.Type == FrameType.Gift);
        await SendAsync(GiftsA, room.Id, sender, Rose, 1, NewKey());
        Assert.Equal("Rose ×4", (await viewer.WaitForAsync(e => e.Type == FrameType.Gift, Patience)).Content);
    }

    [Fact]
    public async Task A_gift_to_a_room_that_is_not_live_fails_with_failed_precondition_and_publishes_nothing()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var sender = await FundedUserAsync();
        await using var viewer = await JoinAsync(room.Id);
        await fixture.RoomClient.StopLiveAsync(new StopLiveRequest { RoomId = room.Id });

        var refused = await Assert.ThrowsAsync<RpcException>(() => SendAsync(GiftsA, room.Id, sender, Rose, 1, NewKey()));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(Funds, (await GiftsA.GetWalletAsync(new GetWalletRequest { UserId = sender })).Balance);
        Assert.DoesNotContain(await viewer.DrainAsync(TimeSpan.FromMilliseconds(500)), e => e.Type == FrameType.Gift);
    }

    /// <summary>A user nobody else sends as, credited by an internal caller as a payment service would.</summary>
    private async Task<long> FundedUserAsync()
    {
        var user = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
        await GiftsA.CreditWalletAsync(new CreditWalletRequest { UserId = user, Amount = Funds, IdempotencyKey = NewKey() });
        return user;
    }

    private async Task<RoomClient> JoinAsync(long roomId)
    {
        var viewer = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeB, roomId), userId: 61);
        await viewer.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        return viewer;
    }

    /// <summary>SendGift as the signed-in sender (through the Proxy), so the room shows their name.</summary>
    private static async Task<SendGiftResponse> SendAsync(GiftServiceClient gifts, long roomId, long sender, int giftId, int count, string key)
    {
        var headers = new Metadata();
        foreach (var (name, value) in RealtimeFixture.SignedIdentity("/live.v1.GiftService/SendGift", sender, "user" + sender))
        {
            headers.Add(name, value);
        }

        return await gifts.SendGiftAsync(new SendGiftRequest { IdempotencyKey = key, RoomId = roomId, GiftId = giftId, Count = count }, headers);
    }

    /// <summary>Gift messages up to and including the one with <paramref name="last"/> as its content.</summary>
    private static async Task<List<ClientEvent>> GiftsUntilAsync(RoomClient viewer, string last)
    {
        var gifts = new List<ClientEvent>();
        while (gifts.Count == 0 || gifts[^1].Content != last)
        {
            gifts.Add(await viewer.WaitForAsync(e => e.Type == FrameType.Gift, Patience));
        }

        return gifts;
    }

    private static long TotalOf(string content) => long.Parse(content[(content.LastIndexOf('×') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private static string NewKey() => "realtime-" + Guid.NewGuid().ToString("N");
}
