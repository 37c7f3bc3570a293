using Live.Data;
using Live.RoomService.Data;
using Live.Testing;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Live.RoomService.Tests;

/// <summary>
/// One RoomService on real Kestrel with its own MariaDB database, the shared Redis and the Kafka-protocol
/// broker. Fails the class when the service logged an error nobody expected.
/// </summary>
public sealed class RoomServiceFixture : IAsyncLifetime
{
    private TestDatabase? database;

    public TestHost Host { get; private set; } = null!;
    public RoomServiceClient Client { get; private set; } = null!;
    public IDatabase Redis => Host.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync("rooms_test");
        Host = await StartRoomServiceAsync(database.ConnectionString, TestEnvironment.Redis);
        Client = new RoomServiceClient(Host.Channel);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        if (database is not null)
        {
            await database.DisposeAsync();
        }

        Host.Logs.AssertNoErrors();
    }

    public static async Task<TestHost> StartRoomServiceAsync(string mysql, string redis, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = mysql,
            ["ConnectionStrings:Redis"] = redis,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var options = new DbContextOptionsBuilder<RoomsDbContext>();
        PlatformDatabase.Configure(options, mysql);
        await using (var db = new RoomsDbContext(options.Options))
        {
            await db.Database.MigrateAsync();

            // Test databases share one Redis and one Kafka: a random id range per database keeps room keys
            // and event keys from colliding across test classes and runs.
            var firstId = Random.Shared.NextInt64(1_000, 9_000_000) * 1_000_000_000;
            #pragma warning disable EF1002 // A number we generated; DDL takes no parameters.
            await db.Database.ExecuteSqlRawAsync($"ALTER TABLE rooms AUTO_INCREMENT = {firstId}");
#pragma warning restore EF1002
        }

        return await TestHost.StartAsync(RoomServiceApp.Build, settings);
    }

    public async Task<Room> CreateLiveRoomAsync(string title = "Live room", string category = "chat")
    {
        var room = await Client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 7, Title = title, Category = category });
        return await Client.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
    }
}
