using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Live.Edge;
using Live.Gifts.Data;
using Live.MessageService;
using Live.Moderation.Data;
using Live.Proxy.Tests;
using Live.RoomService;
using Live.RoomService.Data;
using Live.Data;
using Live.Kafka;
using Live.StatsService;
using Live.StatsService.Data;
using Live.Testing;
using Live.UserService;
using Live.UserService.Data;
using Live.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Live.Operations.Tests;

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformEnvironment>
{
    public const string Name = "platform";
}

/// <summary>
/// The whole platform in this test process, each service on real Kestrel on fresh loopback ports with its own
/// appsettings.json: UserService, RoomService, MessageService, StatsService, the Edge and the Proxy in front (TLS),
/// on real MariaDB (a database each), the shared Redis and the Kafka-protocol broker with topics and a consumer
/// group of this environment's own. Every span any host records is kept in <see cref="Spans"/> (head sampling at
/// 1, so every trace is whole). StatsService can be stopped and started again. Disposing fails when a host logged
/// an error nobody expected.
/// </summary>
public sealed class PlatformEnvironment : IAsyncLifetime
{
    public const string ProxySecret = "operations-tests-secret-0123456789abcdef0123";
    public const string AllowedOrigin = "https://app.example.com";
    public const int ConsumerLagIntervalMs = 1_000;

    private readonly List<TestDatabase> databases = [];
    private readonly List<LogCollector> stoppedLogs = [];
    private readonly SpanCapture spans = new();
    private string statsDatabase = string.Empty;

    public string Suffix { get; } = Guid.NewGuid().ToString("N")[..12];
    public string LiveMessagesTopic => "ops-live-messages-" + Suffix;
    public string RoomEventsTopic => "ops-room-events-" + Suffix;
    public string GiftEventsTopic => "ops-gift-events-" + Suffix;
    public string SalesTopic => "ops-commerce-sales-" + Suffix;
    public string StatsGroup => "ops-stats-" + Suffix;

    public TestHost Users { get; private set; } = null!;
    public TestHost Rooms { get; private set; } = null!;
    public TestHost Messages { get; private set; } = null!;
    public TestHost? Stats { get; private set; }
    public TestHost Edge { get; private set; } = null!;
    public ProxyHost Proxy { get; private set; } = null!;

    /// <summary>Every span recorded in this process since the environment started, once each.</summary>
    public IReadOnlyCollection<Activity> Spans => spans.All;

    /// <summary>The processes as Prometheus would scrape them: service name and HTTP (metrics) address.</summary>
    public IEnumerable<(string Service, Uri Http)> ScrapeTargets =>
        new (string, Uri?)[]
        {
            ("user-service", Users.HttpAddress),
            ("room-service", Rooms.HttpAddress),
            ("message-service", Messages.HttpAddress),
            ("stats-service", Stats?.HttpAddress ?? statsAddress),
            ("edge", Edge.HttpAddress),
            ("proxy", Proxy.HttpAddress),
        }.Select(t => (t.Item1, t.Item2!));

    private Uri? statsAddress;

    public Live.V1.UserService.UserServiceClient PublicUsers => new(Proxy.Channel);
    public Live.V1.RoomService.RoomServiceClient PublicRooms => new(Proxy.Channel);
    public Live.V1.MessageService.MessageServiceClient InternalMessages => new(Messages.Channel);

    public async Task InitializeAsync()
    {
        CreateTopics();
        var usersDb = await DatabaseAsync("ops_users");
        var roomsDb = await DatabaseAsync("ops_rooms");
        var messagesDb = await DatabaseAsync("ops_messages");
        var giftsDb = await DatabaseAsync("ops_gifts");
        var statsDb = await DatabaseAsync("ops_stats");
        statsDatabase = statsDb.ConnectionString;
        await MigrateAsync<UsersDbContext>(usersDb.ConnectionString, o => new UsersDbContext(o));
        await MigrateAsync<RoomsDbContext>(roomsDb.ConnectionString, o => new RoomsDbContext(o));
        await MigrateAsync<GiftsDbContext>(giftsDb.ConnectionString, o => new GiftsDbContext(o));
        await MigrateAsync<StatsDbContext>(statsDb.ConnectionString, o => new StatsDbContext(o));
        var moderation = new DbContextOptionsBuilder<ModerationDbContext>();
        ModerationDatabase.Configure(moderation, messagesDb.ConnectionString);
        await using (var db = new ModerationDbContext(moderation.Options))
        {
            await db.Database.MigrateAsync();
        }

        await Live.MessageService.Inbox.Data.InboxDatabase.MigrateAsync(messagesDb.ConnectionString);

        await SeparateRoomIdsAsync(roomsDb.ConnectionString);

        // The first host carries the span capture: its tracer provider sees every host's spans.
        Users = await StartAsync(UserServiceApp.Build, "UserService", new()
        {
            ["ConnectionStrings:MySql"] = usersDb.ConnectionString,
            ["Tokens:KeyRefreshSeconds"] = "1",
        }, spans.Register);
        Rooms = await StartAsync(RoomServiceApp.Build, "RoomService", new()
        {
            ["ConnectionStrings:MySql"] = roomsDb.ConnectionString,
            ["Rooms:EventsTopic"] = RoomEventsTopic,
        });
        Messages = await StartAsync(MessageServiceApp.Build, "MessageService", new()
        {
            ["ConnectionStrings:MySql"] = messagesDb.ConnectionString,
            ["ConnectionStrings:Gifts"] = giftsDb.ConnectionString,
            ["Services:RoomService"] = Rooms.GrpcAddress.ToString(),
            ["Messages:KafkaTopic"] = LiveMessagesTopic,
            ["Gifts:Topic"] = GiftEventsTopic,
            ["Moderation:WordsChannel"] = "moderation:words:" + Suffix,
            ["ConsumerLag:IntervalMs"] = ConsumerLagIntervalMs.ToString(CultureInfo.InvariantCulture),
            ["ConsumerLag:Groups:" + StatsGroup + ":0"] = LiveMessagesTopic,
            ["ConsumerLag:Groups:" + StatsGroup + ":1"] = RoomEventsTopic,
            ["ConsumerLag:Groups:" + StatsGroup + ":2"] = GiftEventsTopic,
        });
        await StartStatsAsync();
        Edge = await StartAsync(EdgeApp.Build, "Edge", new()
        {
            ["Services:MessageService"] = Messages.GrpcAddress.ToString(),
            ["Services:RoomService"] = Rooms.GrpcAddress.ToString(),
        });
        Proxy = await ProxyHost.StartAsync(Common(new()
        {
            ["Auth:JwksUrl"] = new Uri(Users.HttpAddress, "/.well-known/jwks.json").ToString(),
            ["Auth:JwksRefreshSeconds"] = "1",
            ["Limits:WebSocketOrigins:0"] = AllowedOrigin,
            ["ReverseProxy:Clusters:user:Destinations:v1:Address"] = Users.GrpcAddress.ToString(),
            ["ReverseProxy:Clusters:user-http:Destinations:v1:Address"] = Users.HttpAddress.ToString(),
            ["ReverseProxy:Clusters:room:Destinations:v1:Address"] = Rooms.GrpcAddress.ToString(),
            ["ReverseProxy:Clusters:message:Destinations:v1:Address"] = Messages.GrpcAddress.ToString(),
            ["ReverseProxy:Clusters:edge:Destinations:v1:Address"] = Edge.GrpcAddress.ToString(),
        }));
    }

    public async Task DisposeAsync()
    {
        var logs = new List<LogCollector>(stoppedLogs);
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
            logs.Add(Proxy.Logs);
        }

        foreach (var host in new[] { Edge, Stats, Messages, Rooms, Users })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
                logs.Add(host.Logs);
            }
        }

        foreach (var database in databases)
        {
            await database.DisposeAsync();
        }

        foreach (var log in logs)
        {
            log.AssertNoErrors();
        }
    }

    public async Task StopStatsAsync()
    {
        if (Stats is { } stats)
        {
            Stats = null;
            await stats.DisposeAsync();
            stoppedLogs.Add(stats.Logs);
        }
    }

    /// <summary>StatsService on this environment's database, key prefix and consumer group (again, after a stop).</summary>
    public async Task StartStatsAsync()
    {
        Stats = await StartAsync(StatsServiceApp.Build, "StatsService", new()
        {
            ["ConnectionStrings:MySql"] = statsDatabase,
            ["Services:RoomService"] = Rooms.GrpcAddress.ToString(),
            ["Stats:KeyPrefix"] = "ops-stats:" + Suffix + ":",
            ["Stats:ConsumerGroup"] = StatsGroup,
            ["Stats:LiveMessagesTopic"] = LiveMessagesTopic,
            ["Stats:RoomEventsTopic"] = RoomEventsTopic,
            ["Stats:GiftEventsTopic"] = GiftEventsTopic,
            ["Stats:SalesTopic"] = SalesTopic,
            ["Stats:MaxBatchRecords"] = "500",
        });
        statsAddress = Stats.HttpAddress;
    }

    /// <summary>A new account through the Proxy and a live room of theirs.</summary>
    public async Task<(TokenPair Tokens, Room Room)> LiveRoomAsync()
    {
        var username = "ops" + Guid.NewGuid().ToString("N")[..12];
        const string password = "operations-test-password";
        await PublicUsers.RegisterAsync(new RegisterRequest { Username = username, Password = password, AsAnchor = true });
        var tokens = await PublicUsers.LoginAsync(new LoginRequest { Username = username, Password = password });
        var bearer = new Grpc.Core.Metadata { { "authorization", "Bearer " + tokens.AccessToken } };
        var room = await PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "operations", Category = "chat" }, bearer);
        room = await PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, bearer);
        return (tokens, room);
    }

    private Task<TestHost> StartAsync(
        Func<string[], Action<WebApplicationBuilder>?, WebApplication> build,
        string serviceDirectory,
        Dictionary<string, string?> settings,
        Action<WebApplicationBuilder>? extra = null)
    {
        var withAppSettings = ServiceConfiguration.WithOwnAppSettings(build, serviceDirectory);
        return TestHost.StartAsync((args, configure) => withAppSettings(args, builder =>
        {
            configure(builder);
            extra?.Invoke(builder);
        }), Common(settings));
    }

    private Dictionary<string, string?> Common(Dictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Identity:ProxySecret"] = ProxySecret,
            ["RoomStatusCache:TtlMs"] = "300",
            ["Telemetry:Tracing:SampleRatio"] = "1",
            ["Telemetry:DependencyCheckIntervalMs"] = "1000",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return all;
    }

    private void CreateTopics()
    {
        KafkaNativeLibrary.Load();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = TestEnvironment.Kafka }).Build();
        foreach (var topic in new[] { LiveMessagesTopic, RoomEventsTopic, GiftEventsTopic, SalesTopic })
        {
            // The broker creates a topic on its first metadata request.
            admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        }
    }

    private async Task<TestDatabase> DatabaseAsync(string prefix)
    {
        var database = await TestDatabase.CreateAsync(prefix);
        databases.Add(database);
        return database;
    }

    private static async Task MigrateAsync<TContext>(string connectionString, Func<DbContextOptions<TContext>, TContext> create)
        where TContext : DbContext
    {
        var options = new DbContextOptionsBuilder<TContext>();
        PlatformDatabase.Configure(options, connectionString);
        await using var db = create(options.Options);
        await db.Database.MigrateAsync();
    }

    /// <summary>Redis is shared with every other test run: a random room id range keeps this one's keys apart.</summary>
    private static async Task SeparateRoomIdsAsync(string rooms)
    {
        var options = new DbContextOptionsBuilder<RoomsDbContext>();
        PlatformDatabase.Configure(options, rooms);
        await using var db = new RoomsDbContext(options.Options);
        var firstId = Random.Shared.NextInt64(1_000, 9_000_000) * 1_000_000_000;
#pragma warning disable EF1002 // A number we generated; DDL takes no parameters.
        await db.Database.ExecuteSqlRawAsync($"ALTER TABLE rooms AUTO_INCREMENT = {firstId.ToString(CultureInfo.InvariantCulture)}");
#pragma warning restore EF1002
    }

    /// <summary>
    /// Keeps every ended, sampled span. One tracer provider sees the activities of every host in this process
    /// (the sources are shared), so the capture is registered on one host only and keeps each span once.
    /// </summary>
    private sealed class SpanCapture : BaseProcessor<Activity>
    {
        private readonly ConcurrentDictionary<ActivitySpanId, Activity> ended = new();

        public IReadOnlyCollection<Activity> All => [.. ended.Values];

        public void Register(WebApplicationBuilder builder) =>
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(this));

        public override void OnEnd(Activity data)
        {
            if (data.Recorded)
            {
                ended.TryAdd(data.SpanId, data);
            }
        }
    }
}
