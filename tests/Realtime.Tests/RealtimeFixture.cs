using Live.Data;
using Live.Edge;
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

namespace Live.Realtime.Tests;

[CollectionDefinition(Name)]
public sealed class RealtimeCollection : ICollectionFixture<RealtimeFixture>
{
    public const string Name = "realtime";
}

/// <summary>
/// The real-time core as several processes would run it: RoomService (own MariaDB database), two
/// MessageServices and two Edges, on real Kestrel ports, with the shared Redis and the Kafka-protocol broker.
/// Edge A relays through MessageService A, Edge B through MessageService B, so a room's traffic crosses
/// nodes only through Redis. Both MessageServices host GiftService on one gift database, as in production.
/// UserService (own database) answers MessageService's lookups of gift senders' names.
/// Fails the collection when any host logged an error nobody expected.
/// </summary>
public sealed class RealtimeFixture : IAsyncLifetime
{
    public const int OutboxCapBytes = 256 * 1024;
    public const int MaxInboundFrameBytes = 4096;
    public const int MaxFramesPerSecond = 200;
    public const int MaxInvalidFrames = 8;
    public const int HistoryLength = 50;

    /// <summary>Longer than the defaults, so that a test's quick sends fall into one interval on a loaded machine.</summary>
    public const int GiftFlushIntervalMs = 1_500;
    public const int GiftComboWindowMs = 6_000;

    /// <summary>The secret the Proxy would sign identity with; tests sign as the Proxy does.</summary>
    public const string ProxySecret = "realtime-tests-proxy-secret-0123456789";

    private TestDatabase? database;
    private TestDatabase? messagesDatabase;
    private TestDatabase? giftsDatabase;
    private TestDatabase? usersDatabase;

    public TestHost Rooms { get; private set; } = null!;
    public TestHost Users { get; private set; } = null!;
    public TestHost MessagesA { get; private set; } = null!;
    public TestHost MessagesB { get; private set; } = null!;
    public TestHost EdgeA { get; private set; } = null!;
    public TestHost EdgeB { get; private set; } = null!;
    public RoomServiceClient RoomClient { get; private set; } = null!;
    public MessageServiceClient MessageClient { get; private set; } = null!;

    public IEnumerable<TestHost> Hosts => [Rooms, Users, MessagesA, MessagesB, EdgeA, EdgeB];

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync("realtime_test");
        messagesDatabase = await TestDatabase.CreateAsync("realtime_messages");
        await MigrateMessagesDatabaseAsync(messagesDatabase.ConnectionString);
        giftsDatabase = await TestDatabase.CreateAsync("realtime_gifts");
        await MigrateGiftsDatabaseAsync(giftsDatabase.ConnectionString);
        Rooms = await StartRoomServiceAsync(database.ConnectionString);
        RoomClient = new RoomServiceClient(Rooms.Channel);
        usersDatabase = await TestDatabase.CreateAsync("realtime_users");
        Users = await StartUserServiceAsync(usersDatabase.ConnectionString);
        MessagesA = await StartMessageServiceAsync();
        MessagesB = await StartMessageServiceAsync();
        MessageClient = new MessageServiceClient(MessagesA.Channel);
        EdgeA = await StartEdgeAsync(MessagesA);
        EdgeB = await StartEdgeAsync(MessagesB);
    }

    public async Task DisposeAsync()
    {
        foreach (var host in new[] { EdgeA, EdgeB, MessagesA, MessagesB, Users, Rooms })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }

        foreach (var db in new[] { database, messagesDatabase, giftsDatabase, usersDatabase })
        {
            if (db is not null)
            {
                await db.DisposeAsync();
            }
        }

        foreach (var host in Hosts)
        {
            host?.Logs.AssertNoErrors();
        }
    }

    public async Task<Room> CreateLiveRoomAsync()
    {
        var room = await RoomClient.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 7, Title = "realtime", Category = "chat" });
        return await RoomClient.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
    }

    /// <summary>The identity headers the Proxy adds for a signed-in user, with their proof over <paramref name="path"/>.</summary>
    public static IEnumerable<(string Name, string Value)> SignedIdentity(string path, long userId, string userName, string roles = "viewer", int level = 1)
    {
        var id = userId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var name = Uri.EscapeDataString(userName);
        var levelText = level.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var proof = Live.ServiceDefaults.Identity.ProxyIdentityProof.Create(System.Text.Encoding.UTF8.GetBytes(ProxySecret),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(), path, id, name, roles, levelText);
        yield return ("x-user-id", id);
        yield return ("x-user-name", name);
        yield return ("x-user-roles", roles);
        yield return ("x-user-level", levelText);
        yield return ("x-live-identity", proof);
    }

    public Uri WebSocketUri(TestHost edge, long roomId, string? extraQuery = null) =>
        new($"ws://127.0.0.1:{edge.HttpAddress.Port}/ws?room={roomId}{(extraQuery is null ? string.Empty : "&" + extraQuery)}");

    /// <param name="kafka">Another bootstrap address, e.g. one where nothing listens.</param>
    /// <param name="overrides">Settings over the fixture's MessageService defaults.</param>
    public async Task<TestHost> StartMessageServiceAsync(string? kafka = null, IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["ConnectionStrings:MySql"] = messagesDatabase!.ConnectionString,
            ["ConnectionStrings:Gifts"] = giftsDatabase!.ConnectionString,
            ["Kafka:BootstrapServers"] = kafka ?? TestEnvironment.Kafka,
            ["Services:RoomService"] = Rooms.GrpcAddress.ToString(),
            ["Services:UserService"] = Users.GrpcAddress.ToString(),
            ["RoomStatusCache:TtlMs"] = "300",
            ["Identity:ProxySecret"] = ProxySecret,
            ["Messages:HistoryLength"] = HistoryLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Messages:MaxDisplayRatePerSecond"] = "100000",
            // These tests are about the real-time core, and send faster and more alike than a viewer may:
            // moderation's limits are lifted here (tests/Realtime.Tests/Moderation* keep its defaults).
            ["Moderation:MessagesPerSecond"] = "10000",
            ["Moderation:Burst"] = "10000",
            ["Moderation:DuplicateWindowMs"] = "0",
            ["Moderation:WordsChannel"] = "moderation:words:" + messagesDatabase.Name,
            ["GiftCombos:FlushIntervalMs"] = GiftFlushIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GiftCombos:WindowMs"] = GiftComboWindowMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return await TestHost.StartAsync(MessageServiceApp.Build, settings);
    }

    /// <summary>The gift database MessageService's GiftService uses (what `--migrate` also applies).</summary>
    public static async Task MigrateGiftsDatabaseAsync(string mysql)
    {
        var options = new DbContextOptionsBuilder<GiftsDbContext>();
        PlatformDatabase.Configure(options, mysql);
        await using var db = new GiftsDbContext(options.Options);
        await db.Database.MigrateAsync();
    }

    /// <summary>MessageService's own database: moderation's word lists (what `--migrate` applies).</summary>
    public static async Task MigrateMessagesDatabaseAsync(string mysql)
    {
        var options = new DbContextOptionsBuilder<ModerationDbContext>();
        ModerationDatabase.Configure(options, mysql);
        await using var db = new ModerationDbContext(options.Options);
        await db.Database.MigrateAsync();
    }

    /// <param name="overrides">Settings over the fixture's Edge defaults.</param>
    public async Task<TestHost> StartEdgeAsync(TestHost messages, IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Services:MessageService"] = messages.GrpcAddress.ToString(),
            ["Services:RoomService"] = Rooms.GrpcAddress.ToString(),
            ["RoomStatusCache:TtlMs"] = "300",
            ["Identity:ProxySecret"] = ProxySecret,
            ["Edge:OutboxCapBytes"] = OutboxCapBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Edge:SlowConsumerGraceMs"] = "1000",
            ["Edge:SocketSendBufferBytes"] = "16384",
            ["Edge:MaxInboundFrameBytes"] = MaxInboundFrameBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Edge:MaxFramesPerSecond"] = MaxFramesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Edge:MaxInvalidFrames"] = MaxInvalidFrames.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Edge:SweepIntervalMs"] = "100",
            ["Edge:OnlineCountIntervalMs"] = "300",
            ["Edge:ViewerFlushIntervalMs"] = "100",
            ["Edge:CloseTimeoutMs"] = "1000",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return await TestHost.StartAsync(EdgeApp.Build, settings);
    }

    private static async Task<TestHost> StartUserServiceAsync(string mysql)
    {
        var options = new DbContextOptionsBuilder<UsersDbContext>();
        PlatformDatabase.Configure(options, mysql);
        await using (var db = new UsersDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
        }

        return await TestHost.StartAsync(UserServiceApp.Build, new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = mysql,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Identity:ProxySecret"] = ProxySecret,
            ["Tokens:Issuer"] = "live-user-service",
            ["Tokens:Audience"] = "live-platform",
        });
    }

    /// <summary>Another RoomService on the fixture's room database with a Redis of its own (e.g. a <see cref="PrivateRedis"/>).</summary>
    public Task<TestHost> StartRoomServiceAsync(PrivateRedis redis) => StartRoomServiceHostAsync(database!.ConnectionString, redis.ConnectionString);

    public static async Task<TestHost> StartRoomServiceAsync(string mysql)
    {
        var options = new DbContextOptionsBuilder<RoomsDbContext>();
        PlatformDatabase.Configure(options, mysql);
        await using (var db = new RoomsDbContext(options.Options))
        {
            await db.Database.MigrateAsync();

            // Redis and Kafka are shared by every test run: a random room id range keeps keys and records apart.
            var firstId = Random.Shared.NextInt64(1_000, 9_000_000) * 1_000_000_000;
#pragma warning disable EF1002 // A number we generated; DDL takes no parameters.
            await db.Database.ExecuteSqlRawAsync($"ALTER TABLE rooms AUTO_INCREMENT = {firstId}");
#pragma warning restore EF1002
        }

        return await StartRoomServiceHostAsync(mysql, TestEnvironment.Redis);
    }

    private static Task<TestHost> StartRoomServiceHostAsync(string mysql, string redis) =>
        TestHost.StartAsync(RoomServiceApp.Build, new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = mysql,
            ["ConnectionStrings:Redis"] = redis,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
        });
}
