using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Live.Data;
using Live.Gifts.Data;
using Live.MessageService;
using Live.Moderation.Data;
using Live.RoomService;
using Live.RoomService.Data;
using Live.Testing;
using Live.UserService;
using Live.UserService.Data;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Live.Chaos.Tests;

/// <summary>
/// RoomService, UserService and MessageService (GiftService) on a MariaDB of the scenario's own, shared by
/// scenario A's tests (initialising a data directory is most of their cost). Each test leaves it running.
/// </summary>
public sealed class DatabaseServicesFixture : IAsyncLifetime
{
    private PrivateMariaDb database = null!;
    private TestHost rooms = null!;
    private TestHost users = null!;
    private TestHost messages = null!;

    public PrivateMariaDb Database => database;
    public TestHost Rooms => rooms;
    public TestHost Users => users;
    public TestHost Messages => messages;

    public async Task InitializeAsync()
    {
        database = await PrivateMariaDb.StartAsync();
        foreach (var name in new[] { "live_rooms", "live_users", "live_messages", "live_gifts" })
        {
            await database.CreateDatabaseAsync(name);
        }

        await MigrateAsync<RoomsDbContext>(o => new RoomsDbContext(o), "live_rooms");
        await MigrateAsync<UsersDbContext>(o => new UsersDbContext(o), "live_users");
        await MigrateAsync<GiftsDbContext>(o => new GiftsDbContext(o), "live_gifts");
        var moderation = new DbContextOptionsBuilder<ModerationDbContext>();
        ModerationDatabase.Configure(moderation, database.ConnectionString("live_messages"));
        await using (var db = new ModerationDbContext(moderation.Options))
        {
            await db.Database.MigrateAsync();
        }

        rooms = await TestHost.StartAsync(RoomServiceApp.Build, new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = database.ConnectionString("live_rooms"),
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
        });
        users = await TestHost.StartAsync(UserServiceApp.Build, new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = database.ConnectionString("live_users"),
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Identity:ProxySecret"] = Live.Realtime.Tests.RealtimeCluster.ProxySecret,
            ["Tokens:Issuer"] = "live-user-service",
            ["Tokens:Audience"] = "live-platform",
        });
        messages = await TestHost.StartAsync(MessageServiceApp.Build, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["ConnectionStrings:MySql"] = database.ConnectionString("live_messages"),
            ["ConnectionStrings:Gifts"] = database.ConnectionString("live_gifts"),
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Services:RoomService"] = rooms.GrpcAddress.ToString(),
            ["Services:UserService"] = users.GrpcAddress.ToString(),
            ["Identity:ProxySecret"] = Live.Realtime.Tests.RealtimeCluster.ProxySecret,
            ["Moderation:WordsChannel"] = "moderation:words:chaos-" + Guid.NewGuid().ToString("N"),
        });
    }

    public async Task DisposeAsync()
    {
        foreach (var host in new[] { messages, users, rooms })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }

        await database.DisposeAsync();

        // The outage is expected to be logged (as the database's failure); anything else is a fault.
        foreach (var host in new[] { messages, users, rooms })
        {
            host?.Logs.AssertNoErrors(IsDatabaseOutage);
        }
    }

    private async Task MigrateAsync<TContext>(Func<DbContextOptions<TContext>, TContext> create, string name)
        where TContext : DbContext
    {
        var options = new DbContextOptionsBuilder<TContext>();
        PlatformDatabase.Configure(options, database.ConnectionString(name));
        await using var db = create(options.Options);
        await db.Database.MigrateAsync();
    }

    private static bool IsDatabaseOutage(LogCollector.LogEntry entry) =>
        entry.Category.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
        || entry.Exception is MySqlConnector.MySqlException or { InnerException: MySqlConnector.MySqlException };
}

/// <summary>
/// Scenario A: the database goes away and comes back, killed (-9) and started again on the same data directory,
/// or frozen (SIGSTOP) and continued. No service is restarted.
/// </summary>
public sealed class MariaDbRestartTests(DatabaseServicesFixture services) : IClassFixture<DatabaseServicesFixture>
{
    /// <summary>The promise: a call fails this fast while the database is down, and succeeds this soon after it is back.</summary>
    private static readonly TimeSpan Promise = TimeSpan.FromSeconds(5);

    [Fact(Timeout = 90_000)]
    public async Task While_MariaDB_is_down_room_user_and_gift_calls_fail_UNAVAILABLE_within_5s_and_succeed_within_5s_after_it_is_back()
    {
        var calls = DatabaseCalls();
        foreach (var (name, call) in calls)
        {
            await call(); // healthy first: the failure below is the outage's, not the call's
        }

        await services.Database.KillAsync();
        foreach (var (name, call) in calls)
        {
            var watch = Stopwatch.StartNew();
            var failure = await Assert.ThrowsAsync<RpcException>(call);
            watch.Stop();
            Assert.True(failure.StatusCode == StatusCode.Unavailable, $"{name} while MariaDB is down: {failure.Status}");
            Assert.True(watch.Elapsed < Promise, $"{name} took {watch.Elapsed.TotalSeconds:F1} s to fail");
            Figures.Record($"A: {name} failed after", watch.Elapsed);
        }

        await services.Database.StartAgainAsync();
        foreach (var (name, call) in calls)
        {
            var watch = Stopwatch.StartNew();
            await RecoverWithinAsync(name, call, Promise);
            Figures.Record($"A: {name} succeeded again after", watch.Elapsed);
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task While_MariaDB_hangs_room_user_and_gift_calls_fail_UNAVAILABLE_within_5s_and_succeed_within_5s_after_it_answers_again()
    {
        var calls = DatabaseCalls();
        foreach (var (name, call) in calls)
        {
            await call();
        }

        await services.Database.FreezeAsync();
        try
        {
            // In parallel: each call holds a pooled connection to the frozen server, as concurrent requests would.
            await Task.WhenAll(calls.Select(async c =>
            {
                var watch = Stopwatch.StartNew();
                var failure = await Assert.ThrowsAsync<RpcException>(c.Call);
                watch.Stop();
                Assert.True(failure.StatusCode == StatusCode.Unavailable, $"{c.Name} while MariaDB hangs: {failure.Status}");
                Assert.True(watch.Elapsed < Promise, $"{c.Name} took {watch.Elapsed.TotalSeconds:F1} s to fail");
                Figures.Record($"A (hung): {c.Name} failed after", watch.Elapsed);
            }));
        }
        finally
        {
            await services.Database.ThawAsync();
        }

        foreach (var (name, call) in calls)
        {
            var watch = Stopwatch.StartNew();
            await RecoverWithinAsync(name, call, Promise);
            Figures.Record($"A (hung): {name} succeeded again after", watch.Elapsed);
        }
    }

    /// <summary>One call per service that must reach the database (writes: no cache can answer them).</summary>
    private List<(string Name, Func<Task> Call)> DatabaseCalls()
    {
        var roomClient = new RoomServiceClient(services.Rooms.Channel);
        var userClient = new UserServiceClient(services.Users.Channel);
        var giftClient = new GiftServiceClient(services.Messages.Channel);
        var deadline = () => DateTime.UtcNow.AddSeconds(20);
        return
        [
            ("RoomService.CreateRoom", async () => await roomClient.CreateRoomAsync(
                new CreateRoomRequest { AnchorUserId = 7, Title = "chaos", Category = "chat" }, deadline: deadline())),
            ("UserService.Register", async () => await userClient.RegisterAsync(
                new RegisterRequest { Username = "chaos" + Guid.NewGuid().ToString("N")[..12], Password = "chaos-pass-1" }, deadline: deadline())),
            ("GiftService.CreditWallet", async () => await giftClient.CreditWalletAsync(
                new CreditWalletRequest { UserId = 7, Amount = 1, IdempotencyKey = "chaos-" + Guid.NewGuid().ToString("N") }, deadline: deadline())),
        ];
    }

    private static async Task RecoverWithinAsync(string name, Func<Task> call, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await call();
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && watch.Elapsed < within)
            {
                await Task.Delay(100);
            }
            catch (RpcException ex)
            {
                throw new Xunit.Sdk.XunitException($"{name} did not succeed within {within.TotalSeconds} s of MariaDB's return: {ex.Status}");
            }
        }
    }
}
