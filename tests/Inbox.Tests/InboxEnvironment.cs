using System.Globalization;
using Grpc.Core;
using Live.Data;
using Live.Gifts.Data;
using Live.MessageService;
using Live.MessageService.Inbox.Data;
using Live.Moderation.Data;
using Live.Moderation.Words;
using Live.ServiceDefaults.Identity;
using Live.StatsService.Tests;
using Live.Testing;
using Live.UserService;
using Live.UserService.Data;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Live.Inbox.Tests;

[CollectionDefinition(Name)]
public sealed class InboxCollection : ICollectionFixture<InboxEnvironment>
{
    public const string Name = "inbox";
}

/// <summary>
/// The inbox on real processes: two MessageServices on one MariaDB database and the shared Redis, a UserService
/// (recipients and names), RoomService on the class's own topics and a StatsService whose went-live consumer calls
/// the first MessageService. Small bounds (cap 100, 5 whispers a minute) so tests reach them quickly.
/// </summary>
public sealed class InboxEnvironment : IAsyncLifetime
{
    public const string ProxySecret = "inbox-tests-proxy-secret-0123456789abcdef";
    public const int MaxPerUser = 100;
    public const int WhispersPerMinute = 5;

    private readonly List<IAsyncDisposable> owned = [];
    private readonly List<TestHost> hosts = [];
    private Dictionary<string, string?> usersSettings = [];

    public StatsEnvironment Stats { get; } = new();
    public TestHost Users { get; private set; } = null!;

    /// <summary>A second UserService on the same accounts that knows MessageService, so its bans send notices.</summary>
    public TestHost UsersWithNotices { get; private set; } = null!;
    public IReadOnlyList<TestHost> MessageServices { get; private set; } = [];
    public TestHost StatsHost { get; private set; } = null!;
    public StatsStore StatsStore { get; private set; } = null!;
    public string MessagesConnectionString { get; private set; } = string.Empty;

    /// <summary>What every MessageService of the environment is started with (also one started as a process).</summary>
    public IReadOnlyDictionary<string, string?> MessageServiceSettings { get; private set; } = new Dictionary<string, string?>();

    public InboxService.InboxServiceClient Inbox(int node = 0) => new(MessageServices[node].Channel);

    public async Task InitializeAsync()
    {
        await Stats.InitializeAsync();
        Users = await StartUsersAsync();

        var messages = await OwnDatabaseAsync("inbox_messages");
        MessagesConnectionString = messages.ConnectionString;
        var moderation = new DbContextOptionsBuilder<ModerationDbContext>();
        ModerationDatabase.Configure(moderation, messages.ConnectionString);
        await using (var db = new ModerationDbContext(moderation.Options))
        {
            await db.Database.MigrateAsync();
        }

        await InboxDatabase.MigrateAsync(messages.ConnectionString);
        var gifts = await OwnDatabaseAsync("inbox_gifts");
        var giftOptions = new DbContextOptionsBuilder<GiftsDbContext>();
        PlatformDatabase.Configure(giftOptions, gifts.ConnectionString);
        await using (var db = new GiftsDbContext(giftOptions.Options))
        {
            await db.Database.MigrateAsync();
        }

        MessageServiceSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = messages.ConnectionString,
            ["ConnectionStrings:Gifts"] = gifts.ConnectionString,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Services:RoomService"] = Stats.Rooms!.GrpcAddress.ToString(),
            ["Services:UserService"] = Users.GrpcAddress.ToString(),
            ["Identity:ProxySecret"] = ProxySecret,
            ["Moderation:WordsChannel"] = "moderation:words:" + messages.Name,
            ["Inbox:MaxPerUser"] = MaxPerUser.ToString(CultureInfo.InvariantCulture),
            ["Inbox:WhispersPerMinute"] = WhispersPerMinute.ToString(CultureInfo.InvariantCulture),
        };
        var nodes = new List<TestHost>();
        for (var node = 0; node < 2; node++)
        {
            nodes.Add(await StartHostAsync(MessageServiceApp.Build, new Dictionary<string, string?>(MessageServiceSettings)));
        }

        MessageServices = nodes;
        UsersWithNotices = await StartHostAsync(UserServiceApp.Build, new Dictionary<string, string?>(usersSettings)
        {
            ["Services:MessageService"] = nodes[0].GrpcAddress.ToString(),
        });
        foreach (var node in nodes)
        {
            await WaitAsync(() => node.Services.GetRequiredService<WordListReloader>().HasLoaded, "a MessageService did not load its word lists");
        }

        StatsStore = await Stats.NewStoreAsync();
        var statsSettings = new Dictionary<string, string?>(Stats.StatsSettings(StatsStore))
        {
            ["Services:MessageService"] = nodes[0].GrpcAddress.ToString(),
        };
        StatsHost = await StartHostAsync(Live.StatsService.StatsServiceApp.Build, statsSettings);
    }

    public async Task DisposeAsync()
    {
        for (var i = hosts.Count - 1; i >= 0; i--)
        {
            await hosts[i].DisposeAsync();
        }

        for (var i = owned.Count - 1; i >= 0; i--)
        {
            await owned[i].DisposeAsync();
        }

        await Stats.DisposeAsync();
        foreach (var host in hosts)
        {
            host.Logs.AssertNoErrors();
        }
    }

    /// <summary>A user account in UserService: its id and display name.</summary>
    public async Task<(long Id, string Name)> RegisterAsync(string prefix)
    {
        var name = prefix + Guid.NewGuid().ToString("N")[..8];
        var profile = await new UserServiceClient(Users.Channel).RegisterAsync(new RegisterRequest { Username = name, Password = "correct horse battery" });
        return (profile.UserId, profile.DisplayName);
    }

    /// <summary>The headers the Proxy adds for a signed-in viewer, signed for <paramref name="method"/> as the Proxy signs them.</summary>
    public static Metadata AsUser(string method, long userId, string name, string roles = PlatformRoles.Viewer, string service = "live.v1.InboxService")
    {
        var id = userId.ToString(CultureInfo.InvariantCulture);
        var encodedName = Uri.EscapeDataString(name);
        const string level = "1";
        var proof = ProxyIdentityProof.Create(System.Text.Encoding.UTF8.GetBytes(ProxySecret), DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            $"/{service}/{method}", id, encodedName, roles, level);
        return new Metadata
        {
            { IdentityHeaders.UserId, id },
            { IdentityHeaders.UserName, encodedName },
            { IdentityHeaders.UserRoles, roles },
            { IdentityHeaders.UserLevel, level },
            { IdentityHeaders.Proof, proof },
        };
    }

    /// <summary>A scalar from the inbox tables, read as an operator would.</summary>
    public async Task<long> QueryAsync(string sql)
    {
        await using var connection = new MySqlConnection(MessagesConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task WaitAsync(Func<bool> condition, string failure, int timeoutMs = 10_000)
    {
        for (var waited = 0; !condition(); waited += 50)
        {
            Assert.True(waited < timeoutMs, failure);
            await Task.Delay(50);
        }
    }

    private async Task<TestHost> StartUsersAsync()
    {
        var users = await OwnDatabaseAsync("inbox_users");
        var options = new DbContextOptionsBuilder<UsersDbContext>();
        PlatformDatabase.Configure(options, users.ConnectionString);
        await using (var db = new UsersDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
            // Whisper rate windows live in the shared Redis by user id: a random id range per run keeps them apart.
            var firstId = Random.Shared.NextInt64(1_000, 9_000_000) * 1_000_000;
#pragma warning disable EF1002 // A number we generated; DDL takes no parameters.
            await db.Database.ExecuteSqlRawAsync($"ALTER TABLE users AUTO_INCREMENT = {firstId.ToString(CultureInfo.InvariantCulture)}");
#pragma warning restore EF1002
        }

        usersSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = users.ConnectionString,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Identity:ProxySecret"] = ProxySecret,
            ["Tokens:Issuer"] = "live-user-service",
            ["Tokens:Audience"] = "live-platform",
        };
        return await StartHostAsync(UserServiceApp.Build, usersSettings);
    }

    private async Task<TestHost> StartHostAsync(
        Func<string[], Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>, Microsoft.AspNetCore.Builder.WebApplication> build,
        IDictionary<string, string?> settings)
    {
        var host = await TestHost.StartAsync(build, settings);
        hosts.Add(host);
        return host;
    }

    private async Task<TestDatabase> OwnDatabaseAsync(string prefix)
    {
        var db = await TestDatabase.CreateAsync(prefix);
        owned.Add(db);
        return db;
    }
}
