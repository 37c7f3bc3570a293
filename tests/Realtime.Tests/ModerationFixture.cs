using System.Globalization;
using Grpc.Core;
using Live.Testing;
using Live.V1;

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

    private RealtimeCluster? cluster;
    private long lastUser = Random.Shared.NextInt64(1_000, 9_000_000) * 1_000_000;

    public TestHost Rooms => cluster!.Rooms;
    public TestHost MessagesA => cluster!.MessageServices[0];
    public TestHost MessagesB => cluster!.MessageServices[1];
    public TestHost EdgeA => cluster!.Edges[0];
    public TestHost EdgeB => cluster!.Edges[1];
    public RoomServiceClient RoomClient { get; private set; } = null!;
    public ModerationAdminClient AdminA { get; private set; } = null!;
    public ModerationAdminClient AdminB { get; private set; } = null!;
    public MessageServiceClient MessagesClientA { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        cluster = await new RealtimeClusterBuilder("moderation")
            .WithMessageServiceSettings(new Dictionary<string, string?>
            {
                ["Moderation:MessagesPerSecond"] = RefillPerSecond.ToString(CultureInfo.InvariantCulture),
                ["Moderation:DisconnectAfterRefusals"] = DisconnectAfterRefusals.ToString(CultureInfo.InvariantCulture),
                ["Moderation:LevelLimits:0:MinLevel"] = HighLevel.ToString(CultureInfo.InvariantCulture),
                // A slow refill: the burst decides the boundary even when sending it takes a loaded machine a while.
                ["Moderation:LevelLimits:0:MessagesPerSecond"] = "0.5",
                ["Moderation:LevelLimits:0:Burst"] = HighLevelBurst.ToString(CultureInfo.InvariantCulture),
                ["RejectionLog:FlushIntervalMs"] = "100",
            })
            .StartAsync();
        RoomClient = new RoomServiceClient(Rooms.Channel);
        AdminA = new ModerationAdminClient(MessagesA.Channel);
        AdminB = new ModerationAdminClient(MessagesB.Channel);
        MessagesClientA = new MessageServiceClient(MessagesA.Channel);
    }

    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
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
}
