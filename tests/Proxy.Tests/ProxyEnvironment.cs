using System.Globalization;
using Grpc.Core;
using Live.CommerceService;
using Live.CommerceService.Data;
using Live.Data;
using Live.Edge;
using Live.Gifts.Data;
using Live.MessageService;
using Live.Moderation.Data;
using Live.RoomService;
using Live.RoomService.Data;
using Live.StatsService;
using Live.StatsService.Data;
using Live.Testing;
using Live.UserService;
using Live.UserService.Data;
using Live.V1;
using Microsoft.EntityFrameworkCore;

namespace Live.Proxy.Tests;

/// <summary>
/// A small deployment on loopback: UserService, RoomService v1 (and optionally a v2 canary and a StatsService), a WebSocket echo
/// standing in for the Edge (or, with realtime, the real Edge and MessageService), and the Proxy in front, each
/// on real Kestrel, with their own MariaDB databases and a Redis of their own. Disposing it fails when any host
/// logged an error nobody expected.
/// </summary>
public sealed class ProxyEnvironment : IAsyncDisposable
{
    public const string ProxySecret = "proxy-tests-secret-0123456789abcdef0123456789";
    public const string AllowedOrigin = "https://app.example.com";

    private readonly List<TestDatabase> databases = [];

    private ProxyEnvironment()
    {
    }

    public PrivateRedis Redis { get; private set; } = null!;
    public TestHost Users { get; private set; } = null!;
    public TestHost RoomsV1 { get; private set; } = null!;
    public TestHost? RoomsV2 { get; private set; }
    public EchoWebSocketHost? Echo { get; private set; }
    public TestHost? Messages { get; private set; }
    public TestHost? Edge { get; private set; }
    public TestHost? Stats { get; private set; }
    public TestHost? Commerce { get; private set; }
    public ProxyHost Proxy { get; private set; } = null!;

    public UserServiceClient PublicUsers => new(Proxy.Channel);
    public RoomServiceClient PublicRooms => new(Proxy.Channel);

    /// <summary>UserService called directly on its internal port, as an operator would (admin calls).</summary>
    public UserServiceClient InternalUsers => new(Users.Channel);

    /// <summary>RoomService called directly on its internal port: no forwarded identity, so an internal caller.</summary>
    public RoomServiceClient InternalRooms => new(RoomsV1.Channel);

    /// <param name="withRealtime">Put the real Edge (relaying through a real MessageService) behind /ws instead of the echo.</param>
    /// <param name="withStats">Start a StatsService behind the stats routes.</param>
    public static async Task<ProxyEnvironment> StartAsync(bool withCanary = false, IDictionary<string, string?>? proxySettings = null, bool withRealtime = false, bool withStats = false,
        bool withCommerce = false)
    {
        var environment = new ProxyEnvironment();
        try
        {
            await environment.StartCoreAsync(withCanary, proxySettings ?? new Dictionary<string, string?>(), withRealtime, withStats, withCommerce);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(bool withCanary, IDictionary<string, string?> proxySettings, bool withRealtime, bool withStats, bool withCommerce)
    {
        Redis = await PrivateRedis.StartAsync();
        var usersDb = await CreateDatabaseAsync("proxy_users");
        var roomsDb = await CreateDatabaseAsync("proxy_rooms");
        await MigrateAsync(usersDb.ConnectionString, roomsDb.ConnectionString);

        Users = await TestHost.StartAsync(ServiceConfiguration.WithOwnAppSettings(UserServiceApp.Build, "UserService"), new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = usersDb.ConnectionString,
            ["ConnectionStrings:Redis"] = Redis.ConnectionString,
            ["Identity:ProxySecret"] = ProxySecret,
            ["Tokens:KeyRefreshSeconds"] = "1",
            ["Bans:ResyncSeconds"] = "5",
        });
        RoomsV1 = await StartRoomServiceAsync(roomsDb.ConnectionString, "v1");
        if (withCanary)
        {
            RoomsV2 = await StartRoomServiceAsync(roomsDb.ConnectionString, "v2");
        }

        if (withStats)
        {
            Stats = await StartStatsServiceAsync();
        }

        if (withCommerce)
        {
            Commerce = await StartCommerceServiceAsync();
        }

        Uri edgeAddress;
        if (withRealtime)
        {
            await StartRealtimeAsync();
            edgeAddress = Edge!.GrpcAddress; // the Edge's HTTP/2 port, as the Proxy reaches it
        }
        else
        {
            Echo = await EchoWebSocketHost.StartAsync();
            edgeAddress = Echo.Address;
        }

        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = Redis.ConnectionString,
            ["Identity:ProxySecret"] = ProxySecret,
            ["Auth:JwksUrl"] = new Uri(Users.HttpAddress, "/.well-known/jwks.json").ToString(),
            ["Auth:JwksRefreshSeconds"] = "1",
            ["Bans:ResyncSeconds"] = "5",
            ["Limits:WebSocketOrigins:0"] = AllowedOrigin,
            ["ReverseProxy:Clusters:user:Destinations:v1:Address"] = Users.GrpcAddress.ToString(),
            ["ReverseProxy:Clusters:user-http:Destinations:v1:Address"] = Users.HttpAddress.ToString(),
            ["ReverseProxy:Clusters:room:Destinations:v1:Address"] = RoomsV1.GrpcAddress.ToString(),
            ["ReverseProxy:Clusters:edge:Destinations:v1:Address"] = edgeAddress.ToString(),
        };
        if (Stats is not null)
        {
            settings["ReverseProxy:Clusters:stats:Destinations:v1:Address"] = Stats.GrpcAddress.ToString();
        }

        if (Commerce is not null)
        {
            settings["ReverseProxy:Clusters:commerce:Destinations:v1:Address"] = Commerce.GrpcAddress.ToString();
        }

        if (Messages is not null)
        {
            settings["ReverseProxy:Clusters:message:Destinations:v1:Address"] = Messages.GrpcAddress.ToString();
        }

        if (RoomsV2 is not null)
        {
            settings["ReverseProxy:Clusters:room:Destinations:v2:Address"] = RoomsV2.GrpcAddress.ToString();
            settings["ReverseProxy:Clusters:room:Destinations:v2:Metadata:version"] = "v2";
        }

        foreach (var (key, value) in proxySettings)
        {
            settings[key] = value;
        }

        Proxy = await ProxyHost.StartAsync(settings);
    }

    private async Task<TestHost> StartRoomServiceAsync(string mysql, string version) =>
        await TestHost.StartAsync(ServiceConfiguration.WithOwnAppSettings(RoomServiceApp.Build, "RoomService"), new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = mysql,
            ["ConnectionStrings:Redis"] = Redis.ConnectionString,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Identity:ProxySecret"] = ProxySecret,
            ["Service:Version"] = version,
        });

    /// <summary>MessageService (with its moderation and gift databases) and an Edge relaying through it, as ./platform runs them.</summary>
    private async Task StartRealtimeAsync()
    {
        var messagesDb = await CreateDatabaseAsync("proxy_messages");
        var giftsDb = await CreateDatabaseAsync("proxy_gifts");
        var moderationOptions = new DbContextOptionsBuilder<ModerationDbContext>();
        ModerationDatabase.Configure(moderationOptions, messagesDb.ConnectionString);
        await using (var db = new ModerationDbContext(moderationOptions.Options))
        {
            await db.Database.MigrateAsync();
        }

        await Live.MessageService.Inbox.Data.InboxDatabase.MigrateAsync(messagesDb.ConnectionString);

        var giftOptions = new DbContextOptionsBuilder<GiftsDbContext>();
        PlatformDatabase.Configure(giftOptions, giftsDb.ConnectionString);
        await using (var db = new GiftsDbContext(giftOptions.Options))
        {
            await db.Database.MigrateAsync();
        }

        Messages = await TestHost.StartAsync(ServiceConfiguration.WithOwnAppSettings(MessageServiceApp.Build, "MessageService"), new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = messagesDb.ConnectionString,
            ["ConnectionStrings:Gifts"] = giftsDb.ConnectionString,
            ["ConnectionStrings:Redis"] = Redis.ConnectionString,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Services:RoomService"] = RoomsV1.GrpcAddress.ToString(),
            ["Services:UserService"] = Users.GrpcAddress.ToString(),
            ["Identity:ProxySecret"] = ProxySecret,
        });
        Edge = await TestHost.StartAsync(ServiceConfiguration.WithOwnAppSettings(EdgeApp.Build, "Edge"), new Dictionary<string, string?>
        {
            ["Services:MessageService"] = Messages.GrpcAddress.ToString(),
            ["Services:RoomService"] = RoomsV1.GrpcAddress.ToString(),
            ["Identity:ProxySecret"] = ProxySecret,
        });
    }

    /// <summary>A StatsService with its own database and consumer group (Redis is this environment's own).</summary>
    private async Task<TestHost> StartStatsServiceAsync()
    {
        var statsDb = await CreateDatabaseAsync("proxy_stats");
        var options = new DbContextOptionsBuilder<StatsDbContext>();
        PlatformDatabase.Configure(options, statsDb.ConnectionString);
        await using (var db = new StatsDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
        }

        return await TestHost.StartAsync(ServiceConfiguration.WithOwnAppSettings(StatsServiceApp.Build, "StatsService"), new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = statsDb.ConnectionString,
            ["ConnectionStrings:Redis"] = Redis.ConnectionString,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Services:RoomService"] = RoomsV1.GrpcAddress.ToString(),
            ["Identity:ProxySecret"] = ProxySecret,
            ["Stats:ConsumerGroup"] = "proxy-tests-" + Guid.NewGuid().ToString("N")[..10],
        });
    }

    /// <summary>CommerceService on its own database; its sale announcements are not needed here (no MessageService).</summary>
    private async Task<TestHost> StartCommerceServiceAsync()
    {
        var commerceDb = await CreateDatabaseAsync("proxy_commerce");
        var options = new DbContextOptionsBuilder<CommerceDbContext>();
        PlatformDatabase.Configure(options, commerceDb.ConnectionString);
        await using (var db = new CommerceDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
        }

        return await TestHost.StartAsync(CommerceServiceApp.Build, new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = commerceDb.ConnectionString,
            ["ConnectionStrings:Redis"] = Redis.ConnectionString,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Services:RoomService"] = RoomsV1.GrpcAddress.ToString(),
            ["Services:MessageService"] = RoomsV1.GrpcAddress.ToString(),
            ["Identity:ProxySecret"] = ProxySecret,
            ["RoomPass:Key"] = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("proxy-tests-room-pass-key-0123456789")),
            ["Commerce:OrderWriterEnabled"] = "false",
        });
    }

    private async Task<TestDatabase> CreateDatabaseAsync(string prefix)
    {
        var database = await TestDatabase.CreateAsync(prefix);
        databases.Add(database);
        return database;
    }

    private static async Task MigrateAsync(string users, string rooms)
    {
        var userOptions = new DbContextOptionsBuilder<UsersDbContext>();
        PlatformDatabase.Configure(userOptions, users);
        await using (var db = new UsersDbContext(userOptions.Options))
        {
            await db.Database.MigrateAsync();
        }

        var roomOptions = new DbContextOptionsBuilder<RoomsDbContext>();
        PlatformDatabase.Configure(roomOptions, rooms);
        await using (var db = new RoomsDbContext(roomOptions.Options))
        {
            await db.Database.MigrateAsync();

            // Room events go to the shared Kafka broker: an id range of its own keeps them apart from other runs.
            var firstId = Random.Shared.NextInt64(1_000, 9_000_000) * 1_000_000_000;
#pragma warning disable EF1002 // A number we generated; DDL takes no parameters.
            await db.Database.ExecuteSqlRawAsync($"ALTER TABLE rooms AUTO_INCREMENT = {firstId.ToString(CultureInfo.InvariantCulture)}");
#pragma warning restore EF1002
        }
    }

    /// <summary>A new account through the Proxy (anonymous routes) and its first token pair.</summary>
    public async Task<(UserProfile User, TokenPair Tokens, string Password)> RegisterAndLoginAsync(bool asAnchor = true)
    {
        var username = "p" + Guid.NewGuid().ToString("N")[..12];
        const string password = "proxy-test-password";
        var user = await PublicUsers.RegisterAsync(new RegisterRequest { Username = username, Password = password, AsAnchor = asAnchor });
        var tokens = await PublicUsers.LoginAsync(new LoginRequest { Username = username, Password = password });
        return (user, tokens, password);
    }

    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    public async ValueTask DisposeAsync()
    {
        var hosts = new List<LogCollector>();
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
            hosts.Add(Proxy.Logs);
        }

        if (Echo is not null)
        {
            await Echo.DisposeAsync();
        }

        foreach (var host in new[] { Commerce, Stats, Edge, Messages, RoomsV2, RoomsV1, Users })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
                hosts.Add(host.Logs);
            }
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        foreach (var database in databases)
        {
            await database.DisposeAsync();
        }

        foreach (var logs in hosts)
        {
            logs.AssertNoErrors();
        }
    }
}

/// <summary>xUnit glue: one environment per test class that uses it.</summary>
public abstract class ProxyEnvironmentFixture : IAsyncLifetime
{
    public ProxyEnvironment Environment { get; private set; } = null!;

    private bool started;

    protected virtual bool WithCanary => false;

    protected virtual bool WithRealtime => false;

    protected virtual bool WithStats => false;

    protected virtual bool WithCommerce => false;

    protected virtual IDictionary<string, string?> ProxySettings => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        Environment = await ProxyEnvironment.StartAsync(WithCanary, ProxySettings, WithRealtime, WithStats, WithCommerce);
        started = true;
    }

    public async Task DisposeAsync()
    {
        if (started)
        {
            await Environment.DisposeAsync();
        }
    }
}

public sealed class DefaultEnvironmentFixture : ProxyEnvironmentFixture;
