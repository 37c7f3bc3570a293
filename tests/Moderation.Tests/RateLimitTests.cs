using Live.Moderation.Pipeline;
using Live.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Live.Moderation.Tests;

public sealed class RateLimitTests(RateLimitTests.Fixture fixture) : IClassFixture<RateLimitTests.Fixture>
{
    public sealed class Fixture : ModerationFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Moderation:LevelLimits:0:MinLevel"] = "20",
            ["Moderation:LevelLimits:0:MessagesPerSecond"] = "20",
            ["Moderation:LevelLimits:0:Burst"] = "20",
            ["Moderation:DisconnectAfterRefusals"] = "30",
        };
    }

    private readonly ModerationNode node = fixture.Node;

    [Fact]
    public async Task The_eleventh_message_within_a_second_is_refused_and_the_tenth_accepted()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        for (var i = 1; i <= 10; i++)
        {
            Assert.Equal(ModerationOutcome.Accepted, (await node.SendAsync(user, room, $"message {i}")).Outcome);
        }

        var eleventh = await node.SendAsync(user, room, "message 11");
        Assert.Equal(ModerationReason.RateLimited, eleventh.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(100), eleventh.RetryAfter);

        // 10/s refills one token every 100 ms.
        node.Time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(ModerationReason.RateLimited, (await node.SendAsync(user, room, "message 12")).Reason);
        node.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True((await node.SendAsync(user, room, "message 13")).IsAccepted);
    }

    [Fact]
    public async Task The_limit_is_per_room()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        for (var i = 1; i <= 10; i++)
        {
            await node.SendAsync(user, room, $"message {i}");
        }

        Assert.Equal(ModerationReason.RateLimited, (await node.SendAsync(user, room, "one more")).Reason);
        Assert.True((await node.SendAsync(user, room + 1, "one more")).IsAccepted);
    }

    [Fact]
    public async Task A_higher_level_raises_the_limit()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        for (var i = 1; i <= 20; i++)
        {
            Assert.True((await node.SendAsync(user, room, $"vip {i}", level: 25)).IsAccepted);
        }

        Assert.Equal(ModerationReason.RateLimited, (await node.SendAsync(user, room, "vip 21", level: 25)).Reason);
    }

    [Fact]
    public async Task The_shared_bucket_in_Redis_limits_a_user_across_nodes()
    {
        await using var second = await ModerationNode.StartAsync(fixture.Database.ConnectionString);
        second.Time.SetUtcNow(node.Time.GetUtcNow());
        var (user, room) = (Ids.User(), Ids.Room());
        for (var i = 1; i <= 6; i++)
        {
            Assert.True((await node.SendAsync(user, room, $"a{i}")).IsAccepted);
        }

        for (var i = 1; i <= 4; i++)
        {
            Assert.True((await second.SendAsync(user, room, $"b{i}")).IsAccepted);
        }

        // The second node's own bucket still has 6 tokens; Redis has none.
        var refused = await second.SendAsync(user, room, "b5");
        Assert.Equal(ModerationReason.RateLimited, refused.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(100), refused.RetryAfter);
        second.Logs.AssertNoErrors();
    }

    [Fact]
    public async Task A_repeat_flooder_is_told_to_disconnect()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        for (var i = 1; i <= 10; i++)
        {
            await node.SendAsync(user, room, $"flood {i}");
        }

        for (var refusal = 1; refusal < 30; refusal++)
        {
            var verdict = await node.SendAsync(user, room, "flood");
            Assert.Equal(ModerationReason.RateLimited, verdict.Reason);
            Assert.False(verdict.Disconnect);
        }

        var last = await node.SendAsync(user, room, "flood");
        Assert.Equal(ModerationReason.Flooding, last.Reason);
        Assert.Equal("flooding", last.ReasonCode);
        Assert.True(last.Disconnect);
    }
}

/// <summary>On a Redis of its own, so its command counters see this node's traffic only.</summary>
public sealed class LocalFastPathTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private PrivateRedis redis = null!;
    private ModerationNode node = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync("moderation_test");
        redis = await PrivateRedis.StartAsync();
        // Counted as a flood but never told to disconnect, so every refusal reads the same.
        node = await ModerationNode.StartAsync(database.ConnectionString, redis.ConnectionString, new Dictionary<string, string?> { ["Moderation:DisconnectAfterRefusals"] = "1000000" });
    }

    public async Task DisposeAsync()
    {
        await node.DisposeAsync();
        await redis.DisposeAsync();
        await database.DisposeAsync();
        node.Logs.AssertNoErrors();
    }

    [Fact]
    public async Task A_flood_is_refused_without_a_Redis_call_per_message()
    {
        var (user, room) = (Ids.User(), Ids.Room());
        for (var i = 1; i <= 10; i++)
        {
            Assert.True((await node.SendAsync(user, room, $"message {i}")).IsAccepted);
        }

        var before = await ScriptCallsAsync();
        for (var i = 0; i < 1_000; i++)
        {
            Assert.Equal(ModerationReason.RateLimited, (await node.SendAsync(user, room, $"flood {i}")).Reason);
        }

        Assert.Equal(before, await ScriptCallsAsync());

        // Once a token is due again, the message goes to Redis as usual.
        node.Time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True((await node.SendAsync(user, room, "back")).IsAccepted);
        Assert.True(await ScriptCallsAsync() > before);
    }

    private async Task<long> ScriptCallsAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var info = await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("commandstats");
        return info.SelectMany(group => group)
            .Where(pair => pair.Key is "cmdstat_eval" or "cmdstat_evalsha" or "cmdstat_zscore")
            .Sum(pair => long.Parse(pair.Value.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Messages_waiting_for_redis_together_share_script_calls_and_each_is_still_judged_atomically()
    {
        var batchSizes = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "live.redis.script.batch_size")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, size, tags, _) =>
        {
            if (tags.Length > 0 && Equals(tags[0].Value, nameof(Live.Moderation.Limits.RedisAdmission)))
            {
                batchSizes.Add(size);
            }
        });
        listener.Start();

        // 40 users send 15 messages each, all at once and past the local gate, with the clock standing still:
        // each user's bucket (burst 10) must admit exactly 10 however the calls were grouped.
        var admission = node.Services.GetRequiredService<Live.Moderation.Limits.RedisAdmission>();
        var room = Ids.Room();
        var users = Enumerable.Range(0, 40).Select(_ => Ids.User()).ToArray();
        var now = node.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var calls = users.SelectMany(user => Enumerable.Range(0, 15).Select(i => (User: user, Call: admission.AdmitAsync(
            user, room, new RateLimit(10, 10), now, Live.Moderation.Limits.AdmissionStage.Passed, $"hash-{user}-{i}", 5_000, default)))).ToArray();
        await Task.WhenAll(calls.Select(c => c.Call));

        foreach (var group in calls.GroupBy(c => c.User))
        {
            Assert.Equal(10, group.Count(c => c.Call.Result.Code == Live.Moderation.Limits.AdmissionCode.Admitted));
            Assert.Equal(5, group.Count(c => c.Call.Result.Code == Live.Moderation.Limits.AdmissionCode.RateLimited));
        }

        // Other test classes may call Redis meanwhile, one message at a time: only this burst forms big batches.
        Assert.True(batchSizes.Sum() >= calls.Length);
        Assert.True(batchSizes.Max() >= 10, $"the largest of {batchSizes.Count} script calls carried {batchSizes.Max()} messages");
    }
}
