using Live.Moderation.Pipeline;
using Live.Testing;

namespace Live.Moderation.Tests;

public sealed class RedisOutageTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private PrivateRedis redis = null!;
    private ModerationNode node = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync("moderation_test");
        redis = await PrivateRedis.StartAsync();
        node = await ModerationNode.StartAsync(database.ConnectionString, redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await node.DisposeAsync();
        await redis.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task While_Redis_is_down_messages_are_refused_as_unavailable_and_pass_again_after()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        Assert.True((await node.SendAsync(user, room, "before")).IsAccepted);

        await redis.StopAsync();
        var during = await node.SendAsync(user, room, "during");
        Assert.Equal(ModerationReason.Unavailable, during.Reason);
        Assert.Equal(TimeSpan.FromSeconds(1), during.RetryAfter);
        Assert.Contains(node.Logs.Entries, e => e.EventId.Id == 5000);

        await redis.StartAgainAsync();
        await node.WaitUntilAsync(() => node.Services.GetService(typeof(StackExchange.Redis.IConnectionMultiplexer)) is StackExchange.Redis.IConnectionMultiplexer { IsConnected: true }, TimeSpan.FromSeconds(10));
        Assert.True((await node.SendAsync(user, room, "after")).IsAccepted);
        node.Logs.AssertNoErrors();
    }
}
