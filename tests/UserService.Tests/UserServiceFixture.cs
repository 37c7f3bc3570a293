using System.Globalization;
using Grpc.Core;
using Live.Data;
using Live.ServiceDefaults.Identity;
using Live.Testing;
using Live.UserService.Data;
using Live.V1;
using Microsoft.EntityFrameworkCore;

namespace Live.UserService.Tests;

/// <summary>
/// Two UserService processes' worth of hosts (A and B) on real Kestrel, sharing one MariaDB database and a
/// Redis of their own, as two nodes of one deployment would. Fails the class when either logged an error
/// nobody expected.
/// </summary>
public sealed class UserServiceFixture : IAsyncLifetime
{
    public const string ProxySecret = "test-proxy-secret-0123456789abcdef0123456789";

    private TestDatabase? database;

    public PrivateRedis Redis { get; private set; } = null!;
    public TestHost A { get; private set; } = null!;
    public TestHost B { get; private set; } = null!;
    public UserServiceClient ClientA { get; private set; } = null!;
    public UserServiceClient ClientB { get; private set; } = null!;
    public string MySql => database!.ConnectionString;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync("users_test");
        Redis = await PrivateRedis.StartAsync();
        var options = new DbContextOptionsBuilder<UsersDbContext>();
        PlatformDatabase.Configure(options, database.ConnectionString);
        await using (var db = new UsersDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
        }

        A = await StartAsync(database.ConnectionString, Redis.ConnectionString);
        B = await StartAsync(database.ConnectionString, Redis.ConnectionString);
        ClientA = new UserServiceClient(A.Channel);
        ClientB = new UserServiceClient(B.Channel);
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Redis.DisposeAsync();
        if (database is not null)
        {
            await database.DisposeAsync();
        }

        A.Logs.AssertNoErrors();
        B.Logs.AssertNoErrors();
    }

    public static Task<TestHost> StartAsync(string mysql, string redis) =>
        TestHost.StartAsync(UserServiceApp.Build, new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = mysql,
            ["ConnectionStrings:Redis"] = redis,
            ["Identity:ProxySecret"] = ProxySecret,
            ["Tokens:KeyRefreshSeconds"] = "1",
            ["Bans:ResyncSeconds"] = "5",
            // A minute, so that a profile change one replica sees from the other came by its notice.
            ["Profiles:ReadCacheMs"] = "60000",
        });

    /// <summary>A fresh account (unique name) and its first token pair.</summary>
    public async Task<(UserProfile User, TokenPair Tokens, string Password)> RegisterAndLoginAsync(bool asAnchor = false)
    {
        var username = "u" + Guid.NewGuid().ToString("N")[..12];
        const string password = "correct horse battery";
        var user = await ClientA.RegisterAsync(new RegisterRequest { Username = username, Password = password, AsAnchor = asAnchor });
        var tokens = await ClientA.LoginAsync(new LoginRequest { Username = username, Password = password });
        return (user, tokens, password);
    }

    /// <summary>Identity headers as the Proxy would sign them for a call to <paramref name="method"/>.</summary>
    public static Metadata SignedAs(string method, long userId, params string[] roles)
    {
        var id = userId.ToString(CultureInfo.InvariantCulture);
        var roleList = string.Join(',', roles);
        var proof = ProxyIdentityProof.Create(
            System.Text.Encoding.UTF8.GetBytes(ProxySecret), DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            $"/live.v1.UserService/{method}", id, "tester", roleList, "1");
        return new Metadata
        {
            { IdentityHeaders.UserId, id },
            { IdentityHeaders.UserName, "tester" },
            { IdentityHeaders.UserRoles, roleList },
            { IdentityHeaders.UserLevel, "1" },
            { IdentityHeaders.Proof, proof },
        };
    }
}
