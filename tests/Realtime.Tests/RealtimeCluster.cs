using System.Globalization;
using Live.Data;
using Live.Edge;
using Live.Gifts.Data;
using Live.MessageService;
using Live.Moderation.Data;
using Live.Moderation.Words;
using Live.RoomService;
using Live.RoomService.Data;
using Live.UserService;
using Live.UserService.Data;
using Live.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Realtime.Tests;

/// <summary>
/// Builds a <see cref="RealtimeCluster"/>: how many nodes, and settings over the cluster's defaults for every
/// MessageService or Edge, or for one node of them.
/// </summary>
public sealed class RealtimeClusterBuilder(string databasePrefix)
{
    private readonly Dictionary<string, string?> messageSettings = [];
    private readonly Dictionary<string, string?> edgeSettings = [];
    private readonly Dictionary<int, IDictionary<string, string?>> messageNodeSettings = [];
    private readonly Dictionary<int, IDictionary<string, string?>> edgeNodeSettings = [];
    private int nodes = 2;
    private Func<LogCollector.LogEntry, bool> expectedError = _ => false;

    /// <summary>MessageService + Edge pairs the cluster starts; 0 when a test starts its own (e.g. as processes).</summary>
    public RealtimeClusterBuilder WithNodes(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        nodes = count;
        return this;
    }

    /// <param name="node">Only this node (0-based); every node when null.</param>
    public RealtimeClusterBuilder WithMessageServiceSettings(IDictionary<string, string?> settings, int? node = null)
    {
        Merge(node is { } n ? NodeSettings(messageNodeSettings, n) : messageSettings, settings);
        return this;
    }

    /// <param name="node">Only this node (0-based); every node when null.</param>
    public RealtimeClusterBuilder WithEdgeSettings(IDictionary<string, string?> settings, int? node = null)
    {
        Merge(node is { } n ? NodeSettings(edgeNodeSettings, n) : edgeSettings, settings);
        return this;
    }

    /// <summary>Errors a scenario causes on purpose (a dependency it stops); any other error still fails the cluster's disposal.</summary>
    public RealtimeClusterBuilder ExpectingErrors(Func<LogCollector.LogEntry, bool> expected)
    {
        expectedError = expected;
        return this;
    }

    public async Task<RealtimeCluster> StartAsync()
    {
        var cluster = new RealtimeCluster(messageSettings, edgeSettings, expectedError);
        try
        {
            await cluster.StartAsync(databasePrefix, nodes, messageNodeSettings, edgeNodeSettings);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    internal static void Merge(IDictionary<string, string?> into, IEnumerable<KeyValuePair<string, string?>>? settings)
    {
        foreach (var (key, value) in settings ?? [])
        {
            into[key] = value;
        }
    }

    private static IDictionary<string, string?> NodeSettings(Dictionary<int, IDictionary<string, string?>> byNode, int node)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        if (!byNode.TryGetValue(node, out var settings))
        {
            byNode[node] = settings = new Dictionary<string, string?>();
        }

        return settings;
    }
}

/// <summary>
/// The real-time core as several processes would run it: RoomService (own MariaDB database), N MessageServices
/// and N Edges on real Kestrel ports, with the shared Redis and the Kafka-protocol broker. Edge i relays
/// through MessageService i, so a room's traffic crosses nodes only through Redis. The MessageServices share
/// one database (moderation's word lists) and one gift database, as in production; a UserService (own database)
/// answers their lookups of gift senders' names. Disposing it fails when
/// any host it started logged an error nobody expected.
/// </summary>
public sealed class RealtimeCluster : IAsyncDisposable
{
    /// <summary>The secret the Proxy would sign identity with; tests sign as the Proxy does.</summary>
    public const string ProxySecret = "realtime-tests-proxy-secret-0123456789";

    private readonly IReadOnlyDictionary<string, string?> messageSettings;
    private readonly IReadOnlyDictionary<string, string?> edgeSettings;
    private readonly Func<LogCollector.LogEntry, bool> expectedError;
    private readonly List<TestHost> messageServices = [];
    private readonly List<TestHost> edges = [];
    private TestDatabase? roomsDatabase;
    private TestDatabase? messagesDatabase;
    private TestDatabase? giftsDatabase;
    private TestDatabase? usersDatabase;

    internal RealtimeCluster(
        IReadOnlyDictionary<string, string?> messageSettings, IReadOnlyDictionary<string, string?> edgeSettings, Func<LogCollector.LogEntry, bool> expectedError)
    {
        this.messageSettings = messageSettings;
        this.edgeSettings = edgeSettings;
        this.expectedError = expectedError;
    }

    public TestHost Rooms { get; private set; } = null!;

    public TestHost Users { get; private set; } = null!;

    /// <summary>The nodes started with the cluster; MessageServices[i] serves Edges[i].</summary>
    public IReadOnlyList<TestHost> MessageServices => messageServices;

    public IReadOnlyList<TestHost> Edges => edges;

    internal async Task StartAsync(
        string databasePrefix,
        int nodes,
        IReadOnlyDictionary<int, IDictionary<string, string?>> messageNodeSettings,
        IReadOnlyDictionary<int, IDictionary<string, string?>> edgeNodeSettings)
    {
        roomsDatabase = await TestDatabase.CreateAsync(databasePrefix + "_rooms");
        messagesDatabase = await TestDatabase.CreateAsync(databasePrefix + "_messages");
        await MigrateMessagesDatabaseAsync(messagesDatabase.ConnectionString);
        giftsDatabase = await TestDatabase.CreateAsync(databasePrefix + "_gifts");
        await MigrateGiftsDatabaseAsync(giftsDatabase.ConnectionString);
        Rooms = await StartRoomServiceAsync(roomsDatabase.ConnectionString);
        usersDatabase = await TestDatabase.CreateAsync(databasePrefix + "_users");
        Users = await StartUserServiceAsync(usersDatabase.ConnectionString);

        for (var node = 0; node < nodes; node++)
        {
            messageServices.Add(await StartMessageServiceAsync(overrides: messageNodeSettings.GetValueOrDefault(node)));
        }

        for (var node = 0; node < nodes; node++)
        {
            edges.Add(await StartEdgeAsync(messageServices[node], edgeNodeSettings.GetValueOrDefault(node)));
        }

        // Readiness: every node holds the word lists before a test relies on them.
        foreach (var node in messageServices)
        {
            var reloader = node.Services.GetRequiredService<WordListReloader>();
            for (var i = 0; !reloader.HasLoaded && i < 200; i++)
            {
                await Task.Delay(50);
            }

            Assert.True(reloader.HasLoaded, "a MessageService did not load its word lists");
        }
    }

    /// <summary>A MessageService on the cluster's databases; the caller disposes it.</summary>
    /// <param name="kafka">Another bootstrap address, e.g. one where nothing listens.</param>
    /// <param name="overrides">Settings over the cluster's MessageService settings.</param>
    public async Task<TestHost> StartMessageServiceAsync(string? kafka = null, IDictionary<string, string?>? overrides = null) =>
        await TestHost.StartAsync(MessageServiceApp.Build, MessageServiceSettings(kafka, overrides));

    /// <summary>What a MessageService of this cluster is configured with (for one in a process of its own, <see cref="ServiceProcess"/>).</summary>
    public Dictionary<string, string?> MessageServiceSettings(string? kafka = null, IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["ConnectionStrings:MySql"] = messagesDatabase!.ConnectionString,
            ["ConnectionStrings:Gifts"] = giftsDatabase!.ConnectionString,
            ["Kafka:BootstrapServers"] = kafka ?? TestEnvironment.Kafka,
            ["Services:RoomService"] = Rooms.GrpcAddress.ToString(),
            ["Services:UserService"] = Users.GrpcAddress.ToString(),
            // The first GetUsers of a fresh UserService (EF compiling the query) can take longer than the
            // production 1 s on a busy two-core machine; these tests are about the name, not that wait.
            ["SenderNames:LookupTimeoutMs"] = "10000",
            ["RoomStatusCache:TtlMs"] = "300",
            ["Identity:ProxySecret"] = ProxySecret,
            ["Messages:MaxDisplayRatePerSecond"] = "100000",
            // Word-list notifications of the cluster's own: other runs on the shared Redis would only cause reloads.
            ["Moderation:WordsChannel"] = "moderation:words:" + messagesDatabase.Name,
        };
        RealtimeClusterBuilder.Merge(settings, messageSettings);
        RealtimeClusterBuilder.Merge(settings, overrides);
        return settings;
    }

    /// <summary>An Edge relaying through <paramref name="messages"/>; the caller disposes it.</summary>
    /// <param name="overrides">Settings over the cluster's Edge settings.</param>
    public Task<TestHost> StartEdgeAsync(TestHost messages, IDictionary<string, string?>? overrides = null) =>
        StartEdgeAsync(messages.GrpcAddress, overrides);

    /// <summary>An Edge relaying through the MessageService at <paramref name="messageService"/>; the caller disposes it.</summary>
    public async Task<TestHost> StartEdgeAsync(Uri messageService, IDictionary<string, string?>? overrides = null) =>
        await TestHost.StartAsync(EdgeApp.Build, EdgeSettings(messageService, overrides));

    /// <summary>The settings of an Edge of this cluster (for one in a process of its own, <c>ServiceProcess</c>).</summary>
    public Dictionary<string, string?> EdgeSettings(Uri messageService, IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Services:MessageService"] = messageService.ToString(),
            ["Services:RoomService"] = Rooms.GrpcAddress.ToString(),
            ["RoomStatusCache:TtlMs"] = "300",
            ["Identity:ProxySecret"] = ProxySecret,
            ["Edge:MaxFramesPerSecond"] = "200",
            ["Edge:SweepIntervalMs"] = "100",
            ["Edge:ViewerFlushIntervalMs"] = "100",
            ["Edge:CloseTimeoutMs"] = "1000",
        };
        RealtimeClusterBuilder.Merge(settings, edgeSettings);
        RealtimeClusterBuilder.Merge(settings, overrides);
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        var hosts = new List<TestHost>();
        hosts.AddRange(edges);
        hosts.AddRange(messageServices);
        foreach (var host in new[] { Users, Rooms })
        {
            if (host is not null)
            {
                hosts.Add(host);
            }
        }

        foreach (var host in hosts)
        {
            await host.DisposeAsync();
        }

        foreach (var database in new[] { roomsDatabase, messagesDatabase, giftsDatabase, usersDatabase })
        {
            if (database is not null)
            {
                await database.DisposeAsync();
            }
        }

        foreach (var host in hosts)
        {
            host.Logs.AssertNoErrors(expectedError);
        }
    }

    /// <summary>MessageService's own database: moderation's word lists and the inbox (what `--migrate` applies).</summary>
    private static async Task MigrateMessagesDatabaseAsync(string mysql)
    {
        var options = new DbContextOptionsBuilder<ModerationDbContext>();
        ModerationDatabase.Configure(options, mysql);
        await using var db = new ModerationDbContext(options.Options);
        await db.Database.MigrateAsync();
        await Live.MessageService.Inbox.Data.InboxDatabase.MigrateAsync(mysql);
    }

    /// <summary>The gift database MessageService's GiftService uses (what `--migrate` also applies).</summary>
    private static async Task MigrateGiftsDatabaseAsync(string mysql)
    {
        var options = new DbContextOptionsBuilder<GiftsDbContext>();
        PlatformDatabase.Configure(options, mysql);
        await using var db = new GiftsDbContext(options.Options);
        await db.Database.MigrateAsync();
    }

    /// <summary>Another RoomService on the cluster's room database with a Redis of its own (e.g. a <see cref="PrivateRedis"/>).</summary>
    public Task<TestHost> StartRoomServiceAsync(PrivateRedis redis) => StartRoomServiceHostAsync(roomsDatabase!.ConnectionString, redis.ConnectionString);

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

    private static async Task<TestHost> StartRoomServiceAsync(string mysql)
    {
        var options = new DbContextOptionsBuilder<RoomsDbContext>();
        PlatformDatabase.Configure(options, mysql);
        await using (var db = new RoomsDbContext(options.Options))
        {
            await db.Database.MigrateAsync();

            // Redis and Kafka are shared by every test run: a random room id range keeps keys and records apart.
            var firstId = Random.Shared.NextInt64(1_000, 9_000_000) * 1_000_000_000;
#pragma warning disable EF1002 // A number we generated; DDL takes no parameters.
            await db.Database.ExecuteSqlRawAsync($"ALTER TABLE rooms AUTO_INCREMENT = {firstId.ToString(CultureInfo.InvariantCulture)}");
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
