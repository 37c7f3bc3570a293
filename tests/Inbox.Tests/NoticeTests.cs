using System.Diagnostics;
using System.Globalization;
using System.Text;
using Live.StatsService.WentLive;
using Live.ServiceDefaults.Identity;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Xunit.Abstractions;

namespace Live.Inbox.Tests;

[Collection(InboxCollection.Name)]
public sealed class NoticeTests(InboxEnvironment env, ITestOutputHelper output)
{
    [Fact]
    public async Task A_moderators_timeout_stores_one_moderation_notice_with_reason_and_duration_even_when_retried()
    {
        var (user, _) = await env.RegisterAsync("noisy");
        var room = await env.Stats.CreateLiveRoomAsync(anchorUserId: 4_242, category: "chat");
        var admin = new ModerationAdmin.ModerationAdminClient(env.MessageServices[0].Channel);
        var request = new TimeOutUserRequest { RoomId = room.Id, UserId = user, DurationSeconds = 600, Reason = "spamming links" };

        await admin.TimeOutUserAsync(request);
        // The moderator's client retries, through the other node.
        await new ModerationAdmin.ModerationAdminClient(env.MessageServices[1].Channel).TimeOutUserAsync(request);

        var notice = (await env.Inbox().ListInboxAsync(new ListInboxRequest { UserId = user })).Messages.Single();
        Assert.Equal((InboxKind.Moderation, room.Id, 600L), (notice.Kind, notice.RoomId, notice.DurationSeconds));
        Assert.Equal($"You were timed out in room {room.Id} for 10 minutes. Reason: spamming links", notice.Content);
    }

    [Fact]
    public async Task An_admins_ban_sends_the_user_a_moderation_notice_with_reason_and_duration_once_and_a_shadow_ban_sends_none()
    {
        var (user, _) = await env.RegisterAsync("banned");
        var users = new Live.V1.UserService.UserServiceClient(env.UsersWithNotices.Channel);
        var ban = new BanUserRequest { UserId = user, Reason = "hate speech", DurationSeconds = 7 * 86_400 };
        await users.BanUserAsync(ban, InboxEnvironment.AsUser("BanUser", 1, "admin", PlatformRoles.Admin, "live.v1.UserService"));
        await users.BanUserAsync(new BanUserRequest { UserId = user, Reason = "shadow", Shadow = true },
            InboxEnvironment.AsUser("BanUser", 1, "admin", PlatformRoles.Admin, "live.v1.UserService"));

        var notice = (await env.Inbox().ListInboxAsync(new ListInboxRequest { UserId = user })).Messages.Single();
        Assert.Equal((InboxKind.Moderation, 0L, 7L * 86_400), (notice.Kind, notice.RoomId, notice.DurationSeconds));
        Assert.Equal("You were banned from the platform for 7 days. Reason: hate speech", notice.Content);
    }

    [Fact]
    public async Task An_anchor_with_10000_followers_going_live_notifies_all_of_them_outside_StartLive()
    {
        const int followers = 10_000;
        var anchor = Random.Shared.NextInt64(1_000_000, 2_000_000_000);
        var quietAnchor = anchor + 1;
        var firstFollower = Random.Shared.NextInt64(1_000, 9_000) * 1_000_000_000;
        await FollowAsync(anchor, firstFollower, followers);
        var consumer = env.StatsHost.Services.GetRequiredService<WentLiveConsumer>();

        var quiet = new List<(Room Room, TimeSpan Elapsed)>();
        for (var i = 0; i < 3; i++)
        {
            quiet.Add(await StartLiveTimedAsync(quietAnchor + i, "quiet"));
        }

        var announcedBefore = consumer.Announced;
        var busy = await StartLiveTimedAsync(anchor, "popular");
        // Rooms of anchors without followers going live while the 10,000 notices are being stored.
        var during = new List<(Room Room, TimeSpan Elapsed)>();
        for (var i = 3; i < 6; i++)
        {
            during.Add(await StartLiveTimedAsync(quietAnchor + i, "quiet"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"StartLive latency: median {Median(quiet)} ms with 0 followers; {busy.Elapsed.TotalMilliseconds:F1} ms with {followers} followers; median {Median(during)} ms for 0-follower rooms during that fan-out (smoke, not a benchmark)"));

        var fanout = Stopwatch.StartNew();
        var sql = $"SELECT COUNT(*) FROM inbox_messages WHERE room_id = {busy.Room.Id} AND kind = {(int)InboxKind.Follow}";
        long notified = 0;
        while (notified < followers && fanout.Elapsed < TimeSpan.FromSeconds(180))
        {
            await Task.Delay(250);
            notified = await env.QueryAsync(sql);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{notified} follower(s) notified {fanout.Elapsed.TotalSeconds:F1} s after StartLive returned"));
        Assert.Equal(followers, notified);
        await InboxEnvironment.WaitAsync(() => consumer.Announced > announcedBefore, "the consumer did not report the fan-out done", 30_000);

        var last = (await env.Inbox(1).ListInboxAsync(new ListInboxRequest { UserId = firstFollower + followers - 1 })).Messages.Single();
        Assert.Equal((InboxKind.Follow, busy.Room.Id, anchor), (last.Kind, last.RoomId, last.FromUserId));
        Assert.Equal("Room " + busy.Room.Id + " is live: popular", last.Content);
        Assert.Equal(0, await env.QueryAsync($"SELECT COUNT(*) FROM inbox_messages WHERE room_id = {quiet[0].Room.Id}"));
    }

    private static string Median(List<(Room Room, TimeSpan Elapsed)> calls) =>
        calls.Select(c => c.Elapsed.TotalMilliseconds).Order().ElementAt(calls.Count / 2).ToString("F1", CultureInfo.InvariantCulture);

    private async Task<(Room Room, TimeSpan Elapsed)> StartLiveTimedAsync(long anchor, string title)
    {
        var room = await env.Stats.RoomClient.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = anchor, Title = title, Category = "chat" });
        var clock = Stopwatch.StartNew();
        var live = await env.Stats.RoomClient.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
        return (live, clock.Elapsed);
    }

    /// <summary>Followers as Follow stores them, written in one statement (10,000 Follow calls would only test Follow).</summary>
    private async Task FollowAsync(long anchor, long firstFollower, int count)
    {
        var sql = new StringBuilder("INSERT INTO follows (user_id, anchor_user_id, created_at) VALUES ");
        for (var i = 0; i < count; i++)
        {
            sql.Append(i == 0 ? string.Empty : ",").Append(CultureInfo.InvariantCulture, $"({firstFollower + i},{anchor},UTC_TIMESTAMP(6))");
        }

        await using var connection = new MySqlConnection(env.StatsStore.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql.ToString(), connection);
        await command.ExecuteNonQueryAsync();
    }
}
