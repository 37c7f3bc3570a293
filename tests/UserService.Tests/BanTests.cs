using System.Diagnostics;
using Grpc.Core;
using Live.Bans;
using Live.V1;
using StackExchange.Redis;

namespace Live.UserService.Tests;

public sealed class BanTests(UserServiceFixture fixture) : IClassFixture<UserServiceFixture>
{
    private static readonly TimeSpan PropagationBound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_user_ban_made_on_one_process_is_enforced_by_the_other_within_a_second()
    {
        var (user, tokens, password) = await fixture.RegisterAndLoginAsync();
        var login = new LoginRequest { Username = user.Username, Password = password };
        await fixture.ClientB.LoginAsync(login);

        var ban = await fixture.ClientA.BanUserAsync(new BanUserRequest { UserId = user.UserId, Reason = "spam", DurationSeconds = 3600 });
        var clock = Stopwatch.StartNew();
        Assert.Equal(BanKind.User, ban.Kind);
        Assert.NotNull(ban.ExpiresAt);

        var refusedAt = await WaitUntilRefusedAsync(() => fixture.ClientB.LoginAsync(login).ResponseAsync, clock);
        Assert.True(refusedAt < PropagationBound, $"B still let the banned user in after {refusedAt.TotalMilliseconds} ms");
        var refused = await Assert.ThrowsAsync<RpcException>(() => fixture.ClientB.LoginAsync(login).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("spam", refused.Status.Detail);
        var refresh = await Assert.ThrowsAsync<RpcException>(() => fixture.ClientB.RefreshAsync(new RefreshRequest { RefreshToken = tokens.RefreshToken }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refresh.StatusCode);

        var check = await fixture.ClientB.IsBannedAsync(new IsBannedRequest { UserId = user.UserId });
        Assert.True(check.Banned);
        Assert.Equal("spam", check.Ban.Reason);

        await fixture.ClientA.UnbanUserAsync(new UnbanUserRequest { UserId = user.UserId });
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await fixture.ClientB.IsBannedAsync(new IsBannedRequest { UserId = user.UserId })).Banned && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await fixture.ClientB.LoginAsync(login);
    }

    [Fact]
    public async Task Ip_bans_are_canonical_listed_and_expire()
    {
        var ip = $"10.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}";
        var ban = await fixture.ClientA.BanIpAsync(new BanIpRequest { Ip = "::ffff:" + ip, Reason = "scraping", DurationSeconds = 2 });
        Assert.Equal(ip, ban.Subject);

        var listed = await fixture.ClientB.ListBansAsync(new ListBansRequest { Kind = BanKind.Ip });
        Assert.Contains(listed.Bans, b => b.Subject == ip && b.Reason == "scraping");
        var clock = Stopwatch.StartNew();
        while (!(await fixture.ClientB.IsBannedAsync(new IsBannedRequest { Ip = ip })).Banned)
        {
            Assert.True(clock.Elapsed < PropagationBound, "the IP ban did not reach B within a second");
            await Task.Delay(20);
        }

        // Expiry needs no unban: the stored expiry time is compared on every check.
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        Assert.False((await fixture.ClientB.IsBannedAsync(new IsBannedRequest { Ip = ip })).Banned);
    }

    [Fact]
    public async Task A_shadow_ban_is_mirrored_to_bans_shadow_only_and_does_not_lock_the_user_out()
    {
        var (user, _, password) = await fixture.RegisterAndLoginAsync();
        var subject = BanKeys.UserSubject(user.UserId);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var db = redis.GetDatabase();
        var changes = new List<string>();
        await redis.GetSubscriber().SubscribeAsync(BanKeys.Changes, (_, message) => { lock (changes) { changes.Add(message.ToString()); } });

        var ban = await fixture.ClientA.BanUserAsync(new BanUserRequest { UserId = user.UserId, Reason = "troll", DurationSeconds = 600, Shadow = true });
        Assert.Equal(BanKind.Shadow, ban.Kind);
        Assert.Equal(subject, ban.Subject);
        var expiry = await db.SortedSetScoreAsync(BanKeys.Shadows, subject);
        Assert.Equal(ban.ExpiresAt.ToDateTimeOffset().ToUnixTimeMilliseconds(), (long)expiry!.Value);
        Assert.Null(await db.SortedSetScoreAsync(BanKeys.Users, subject));

        // Nothing gives the shadow ban away: sign-in works and IsBanned says no.
        await fixture.ClientB.LoginAsync(new LoginRequest { Username = user.Username, Password = password });
        Assert.False((await fixture.ClientB.IsBannedAsync(new IsBannedRequest { UserId = user.UserId })).Banned);
        var listed = await fixture.ClientB.ListBansAsync(new ListBansRequest { Kind = BanKind.Shadow });
        Assert.Contains(listed.Bans, b => b.Subject == subject && b.Reason == "troll");
        Assert.DoesNotContain((await fixture.ClientB.ListBansAsync(new ListBansRequest { Kind = BanKind.User })).Bans, b => b.Subject == subject);

        // A full ban and a shadow ban are independent: lifting one leaves the other.
        await fixture.ClientA.BanUserAsync(new BanUserRequest { UserId = user.UserId, Reason = "spam", DurationSeconds = 600 });
        Assert.Equal(1, (await fixture.ClientA.UnbanUserAsync(new UnbanUserRequest { UserId = user.UserId, Shadow = true })).Lifted);
        Assert.Null(await db.SortedSetScoreAsync(BanKeys.Shadows, subject));
        Assert.NotNull(await db.SortedSetScoreAsync(BanKeys.Users, subject));
        Assert.Equal(1, (await fixture.ClientA.UnbanUserAsync(new UnbanUserRequest { UserId = user.UserId })).Lifted);

        // Every change is announced, in order, so the ban list of every node (moderation's shadow check too) follows.
        string[] Received()
        {
            lock (changes)
            {
                return [.. changes.Where(c => c.Contains(subject, StringComparison.Ordinal))];
            }
        }

        var announced = Stopwatch.StartNew();
        while (announced.Elapsed < TimeSpan.FromSeconds(5) && Received().Length < 4)
        {
            await Task.Delay(20);
        }

        Assert.Equal(
            [$"{BanKeys.ShadowKind}|ban", $"{BanKeys.UserKind}|ban", $"{BanKeys.ShadowKind}|{BanKeys.Lifted}", $"{BanKeys.UserKind}|{BanKeys.Lifted}"],
            Received().Select(c => c.Split('|') is var parts && parts[2] == BanKeys.Lifted ? $"{parts[0]}|{BanKeys.Lifted}" : $"{parts[0]}|ban"));
    }

    [Fact]
    public async Task Bans_are_for_admins_and_bad_input_is_rejected()
    {
        var (user, _, _) = await fixture.RegisterAndLoginAsync();
        var notAdmin = await Assert.ThrowsAsync<RpcException>(() => fixture.ClientA.BanUserAsync(
            new BanUserRequest { UserId = user.UserId, Reason = "x" }, UserServiceFixture.SignedAs("BanUser", user.UserId, "viewer")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, notAdmin.StatusCode);

        var admin = await fixture.ClientA.BanUserAsync(
            new BanUserRequest { UserId = user.UserId, Reason = "by an admin", DurationSeconds = 60 },
            UserServiceFixture.SignedAs("BanUser", 424242, "viewer", "admin"));
        Assert.Equal(424242, admin.CreatedBy);

        var cases = new (Func<Task> Call, StatusCode Code, string Reason)[]
        {
            (() => fixture.ClientA.BanIpAsync(new BanIpRequest { Ip = "300.1.1.1", Reason = "x" }).ResponseAsync, StatusCode.InvalidArgument, "not an IPv4 or IPv6 address"),
            (() => fixture.ClientA.BanUserAsync(new BanUserRequest { UserId = user.UserId, Reason = "" }).ResponseAsync, StatusCode.InvalidArgument, "reason must be 1 to 256 characters"),
            (() => fixture.ClientA.BanUserAsync(new BanUserRequest { UserId = user.UserId, Reason = "x", DurationSeconds = -1 }).ResponseAsync, StatusCode.InvalidArgument, "duration_seconds"),
            (() => fixture.ClientA.BanUserAsync(new BanUserRequest { UserId = 987_654_321, Reason = "x" }).ResponseAsync, StatusCode.NotFound, "user 987654321 does not exist"),
            (() => fixture.ClientA.IsBannedAsync(new IsBannedRequest()).ResponseAsync, StatusCode.InvalidArgument, "Give user_id, ip or both"),
        };
        foreach (var (call, code, reason) in cases)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(code, error.StatusCode);
            Assert.Contains(reason, error.Status.Detail);
        }
    }

    private static async Task<TimeSpan> WaitUntilRefusedAsync(Func<Task> call, Stopwatch clock)
    {
        // Bounded so a broken propagation fails the test instead of hanging it.
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                await call();
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
            {
                return clock.Elapsed;
            }

            await Task.Delay(20);
        }

        return clock.Elapsed;
    }
}
