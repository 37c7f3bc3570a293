using Grpc.Core;
using Live.V1;
using StackExchange.Redis;

namespace Live.UserService.Tests;

public sealed class PresenceTests(UserServiceFixture fixture) : IClassFixture<UserServiceFixture>
{
    [Fact]
    public async Task Heartbeats_set_users_online_with_a_ttl_and_sign_offs_take_effect_at_once()
    {
        var ids = Enumerable.Range(0, 300).Select(_ => Random.Shared.NextInt64(1, long.MaxValue)).ToArray();
        var set = new SetPresenceRequest();
        set.Changes.AddRange(ids.Select(id => new PresenceChange { UserId = id, Online = true }));
        var applied = await fixture.ClientA.SetPresenceAsync(set);
        Assert.Equal(300, applied.Applied);
        Assert.Equal(60, applied.TtlSeconds);

        var read = await fixture.ClientB.GetPresenceAsync(new GetPresenceRequest { UserIds = { ids[0], ids[1], 5 } });
        Assert.Equal([ids[0], ids[1], 5L], read.Presence.Select(p => p.UserId));
        Assert.Equal([true, true, false], read.Presence.Select(p => p.Online));
        Assert.InRange(read.Presence[0].LastSeenAt.ToDateTime(), DateTime.UtcNow.AddSeconds(-30), DateTime.UtcNow.AddSeconds(1));
        Assert.Null(read.Presence[2].LastSeenAt);

        // Online lapses by itself: every key carries the TTL.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync($"presence:{ids[42]}");
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

        await fixture.ClientA.SetPresenceAsync(new SetPresenceRequest { Changes = { new PresenceChange { UserId = ids[0], Online = false } } });
        var after = await fixture.ClientA.GetPresenceAsync(new GetPresenceRequest { UserIds = { ids[0], ids[1] } });
        Assert.Equal([false, true], after.Presence.Select(p => p.Online));
    }

    [Fact]
    public async Task Presence_batches_are_bounded_and_setting_it_is_for_internal_callers()
    {
        var tooMany = new GetPresenceRequest();
        tooMany.UserIds.AddRange(Enumerable.Range(1, 1001).Select(i => (long)i));
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.ClientA.GetPresenceAsync(tooMany).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("maximum per call is 1000", error.Status.Detail);

        var asUser = await Assert.ThrowsAsync<RpcException>(() => fixture.ClientA.SetPresenceAsync(
            new SetPresenceRequest { Changes = { new PresenceChange { UserId = 7, Online = true } } },
            UserServiceFixture.SignedAs("SetPresence", 7, "viewer")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, asUser.StatusCode);
    }
}
