using Live.Bans;
using Live.Moderation.Data;
using Live.Moderation.Limits;
using Live.Moderation.Pipeline;
using Live.Moderation.Words;
using Live.Redis;
using Live.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Live.Moderation.Tests;

/// <summary>
/// One "MessageService node" as far as moderation goes: a real host with its own Redis connection, its own
/// WordFilter and reloader, a clock the test moves by hand, against a real MariaDB database and Redis.
/// </summary>
public sealed class ModerationNode : IAsyncDisposable
{
    private ModerationNode(IHost host, FakeTimeProvider time, LogCollector logs)
    {
        Host = host;
        Time = time;
        Logs = logs;
    }

    public IHost Host { get; }
    public FakeTimeProvider Time { get; }
    public LogCollector Logs { get; }
    public IServiceProvider Services => Host.Services;
    public ModerationPipeline Pipeline => Services.GetRequiredService<ModerationPipeline>();
    public WordFilter Words => Services.GetRequiredService<WordFilter>();
    public WordStore Store => Services.GetRequiredService<WordStore>();
    public RoomModerationControls Controls => Services.GetRequiredService<RoomModerationControls>();
    public IDatabase Redis => Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    /// <param name="settings">"Moderation:*" overrides and the like, over the defaults.</param>
    public static async Task<ModerationNode> StartAsync(string mysql, string? redis = null, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = mysql,
            ["ConnectionStrings:Redis"] = redis ?? TestEnvironment.Redis,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        // A fixed, round start keeps window arithmetic in assertions readable.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var logs = new LogCollector();
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(all);
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddRedis(builder.Configuration, "moderation-tests");
        builder.Services.AddModeration(builder.Configuration);
        var host = builder.Build();

        await ModerationDatabase.MigrateAsync(host.Services.GetRequiredService<IDbContextFactory<ModerationDbContext>>());
        await host.StartAsync();
        var node = new ModerationNode(host, time, logs);
        await node.WaitUntilAsync(
            () => node.Services.GetRequiredService<WordListReloader>().HasLoaded && node.Services.GetRequiredService<BanList>().IsComplete,
            TimeSpan.FromSeconds(10));
        return node;
    }

    public ValueTask<ModerationVerdict> SendAsync(long userId, long roomId, string content, int level = 0, string? color = null, System.Net.IPAddress? address = null) =>
        Pipeline.EvaluateAsync(new ModerationRequest(userId, roomId, content, level, address, color));

    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>
    /// For after <see cref="DisposeAsync"/>, with the errors before it checked already: stopping cancels a word-list
    /// load the tests' changes may have started, and EF Core logs a cancelled open as a connection error (event
    /// 20004), which is the stop's doing.
    /// </summary>
    public void AssertNoErrorsAfterStop() =>
        Logs.AssertNoErrors(e => e.EventId.Id == 20004 && e.Category == "Microsoft.EntityFrameworkCore.Database.Connection");

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }
}

/// <summary>Ids random per run: tests share one Redis, and a room or user id seen before would carry state over.</summary>
public static class Ids
{
    public static long Room() => Random.Shared.NextInt64(1_000_000_000, 9_000_000_000_000);

    public static long User() => Random.Shared.NextInt64(1_000_000_000, 9_000_000_000_000);
}
