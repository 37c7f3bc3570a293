using Grpc.Core;
using Live.Edge;
using Live.MessageService;
using Live.Moderation.Words;
using Live.Testing;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Realtime.Tests;

[CollectionDefinition(Name)]
public sealed class ModerationCollection : ICollectionFixture<ModerationFixture>
{
    public const string Name = "moderation";
}

/// <summary>
/// The real-time core with moderation at its defaults (burst of 10, 5 s duplicates, 100 characters):
/// RoomService, two MessageServices on one MariaDB database (the word lists) and two Edges, Edge A through
/// MessageService A and Edge B through B, on the shared Redis. Changed: the repeat-flooder threshold is
/// lowered, so a flood test needs seconds, not minutes; level 20 and up gets a burst of 20; and buckets
/// refill at 1 message/s instead of 10, so a burst's boundary holds even when a loaded machine takes a
/// few hundred ms to get the burst through (the 10/s refill is tested on a test clock in Moderation.Tests).
/// </summary>
public sealed class ModerationFixture : IAsyncLifetime
{
    public const int RefillPerSecond = 1;
    public const int DisconnectAfterRefusals = 15;
    public const int HighLevel = 20;
    public const int HighLevelBurst = 20;

    private TestDatabase? roomsDatabase;
    private TestDatabase? messagesDatabase;
    private TestDatabase? giftsDatabase;
    private long lastUser = Random.Shared.NextInt64(1_000, 9_000_000) * 1_000_000;

    public TestHost Rooms { get; private set; } = null!;
    public TestHost MessagesA { get; private set; } = null!;
    public TestHost MessagesB { get; private set; } = null!;
    public TestHost EdgeA { get; private set; } = null!;
    public TestHost EdgeB { get; private set; } = null!;
    public RoomServiceClient RoomClient { get; private set; } = null!;
    public ModerationAdminClient AdminA { get; private set; } = null!;
    public ModerationAdminClient AdminB { get; private set; } = null!;
    public MessageServiceClient MessagesClientA { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        roomsDatabase = await TestDatabase.CreateAsync("moderation_rooms");
        messagesDatabase = await TestDatabase.CreateAsync("moderation_messages");
        await RealtimeFixture.MigrateMessagesDatabaseAsync(messagesDatabase.ConnectionString);
        giftsDatabase = await TestDatabase.CreateAsync("moderation_gifts");
        await RealtimeFixture.MigrateGiftsDatabaseAsync(giftsDatabase.ConnectionString);
        Rooms = await RealtimeFixture.StartRoomServiceAsync(roomsDatabase.ConnectionString);
        RoomClient = new RoomServiceClient(Rooms.Channel);
        MessagesA = await StartMessageServiceAsync();
        MessagesB = await StartMessageServiceAsync();
        AdminA = new ModerationAdminClient(MessagesA.Channel);
        AdminB = new ModerationAdminClient(MessagesB.Channel);
        MessagesClientA = new MessageServiceClient(MessagesA.Channel);
        EdgeA = await StartEdgeAsync(MessagesA);
        EdgeB = await StartEdgeAsync(MessagesB);

        // Readiness: both nodes hold the word lists before a test relies on them.
        foreach (var node in new[] { MessagesA, MessagesB })
        {
            var reloader = node.Services.GetRequiredService<WordListReloader>();
            for (var i = 0; !reloader.HasLoaded && i < 200; i++)
            {
                await Task.Delay(50);
            }

            Assert.True(reloader.HasLoaded, "a MessageService did not load its word lists");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var host in new[] { EdgeA, EdgeB, MessagesA, MessagesB, Rooms })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }

        foreach (var db in new[] { roomsDatabase, messagesDatabase, giftsDatabase })
        {
            if (db is not null)
            {
                await db.DisposeAsync();
            }
        }

        foreach (var host in new[] { EdgeA, EdgeB, MessagesA, MessagesB, Rooms })
        {
            host?.Logs.AssertNoErrors();
        }
    }

    /// <summary>A user id nobody else uses: bans and rate buckets live in the Redis every test run shares.</summary>
    public long NewUser() => Interlocked.Increment(ref lastUser);

    public async Task<Room> CreateLiveRoomAsync(long anchorUserId)
    {
        var room = await RoomClient.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = anchorUserId, Title = "moderation", Category = "chat" });
        return await RoomClient.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
    }

    /// <summary>A signed-in viewer on an Edge, live (its resume frame arrived).</summary>
    public async Task<RoomClient> JoinAsync(TestHost edge, long roomId, long userId, int level = 1, string? forwardedFor = null)
    {
        var client = await Live.Realtime.Tests.RoomClient.ConnectAsync(
            new Uri($"ws://127.0.0.1:{edge.HttpAddress.Port}/ws?room={roomId}"), userId, level: level, forwardedFor: forwardedFor);
        await client.WaitForAsync(e => e.Type == Protocol.FrameType.Resume, TimeSpan.FromSeconds(20));
        return client;
    }

    /// <summary>Call headers of a signed-in user as the Proxy would send them to <paramref name="method"/> of ModerationAdmin.</summary>
    public static Metadata As(string method, long userId, string roles = "viewer")
    {
        var headers = new Metadata();
        foreach (var (name, value) in RealtimeFixture.SignedIdentity($"/live.v1.ModerationAdmin/{method}", userId, "user" + userId, roles))
        {
            headers.Add(name, value);
        }

        return headers;
    }

    private async Task<TestHost> StartMessageServiceAsync() =>
        await TestHost.StartAsync(MessageServiceApp.Build, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["ConnectionStrings:MySql"] = messagesDatabase!.ConnectionString,
            ["ConnectionStrings:Gifts"] = giftsDatabase!.ConnectionString,
            ["Kafka:BootstrapServers"] = TestEnvironment.Kafka,
            ["Services:RoomService"] = Rooms.GrpcAddress.ToString(),
            // Nothing listens here: no gift is sent for another user in these tests, so no sender name is looked up.
            ["Services:UserService"] = "http://127.0.0.1:9",
            ["RoomStatusCache:TtlMs"] = "300",
            ["Identity:ProxySecret"] = RealtimeFixture.ProxySecret,
            ["Messages:MaxDisplayRatePerSecond"] = "100000",
            ["Moderation:WordsChannel"] = "moderation:words:" + messagesDatabase.Name,
            ["Moderation:MessagesPerSecond"] = RefillPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Moderation:DisconnectAfterRefusals"] = DisconnectAfterRefusals.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Moderation:LevelLimits:0:MinLevel"] = HighLevel.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // A slow refill: the burst decides the boundary even when sending it takes a loaded machine a while.
            ["Moderation:LevelLimits:0:MessagesPerSecond"] = "0.5",
            ["Moderation:LevelLimits:0:Burst"] = HighLevelBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RejectionLog:FlushIntervalMs"] = "100",
        });

    private async Task<TestHost> StartEdgeAsync(TestHost messages) =>
        await TestHost.StartAsync(EdgeApp.Build, new Dictionary<string, string?>
        {
            ["Services:MessageService"] = messages.GrpcAddress.ToString(),
            ["Services:RoomService"] = Rooms.GrpcAddress.ToString(),
            ["RoomStatusCache:TtlMs"] = "300",
            ["Identity:ProxySecret"] = RealtimeFixture.ProxySecret,
            ["Edge:MaxFramesPerSecond"] = "200",
            ["Edge:SweepIntervalMs"] = "100",
            ["Edge:ViewerFlushIntervalMs"] = "100",
            ["Edge:CloseTimeoutMs"] = "1000",
        });
}
