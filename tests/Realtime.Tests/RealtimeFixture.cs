using System.Globalization;
using Live.Testing;
using Live.UserService;
using Live.UserService.Data;
using Live.V1;

namespace Live.Realtime.Tests;

[CollectionDefinition(Name)]
public sealed class RealtimeCollection : ICollectionFixture<RealtimeFixture>
{
    public const string Name = "realtime";
}

/// <summary>
/// The real-time core for the fan-out, resume, limits and gift tests: a <see cref="RealtimeCluster"/> of two
/// nodes (Edge A through MessageService A, Edge B through B) with moderation's limits lifted and the Edges'
/// limits small enough to reach in a test. Fails the collection when any host logged an error nobody expected.
/// </summary>
public sealed class RealtimeFixture : IAsyncLifetime
{
    public const int OutboxCapBytes = 256 * 1024;
    public const int MaxInboundFrameBytes = 4096;
    public const int MaxFramesPerSecond = 200;
    public const int MaxInvalidFrames = 8;
    public const int HistoryLength = 50;
    public const int ParallelFanoutMinConnections = 4;

    /// <summary>Longer than the defaults, so that a test's quick sends fall into one interval on a loaded machine.</summary>
    public const int GiftFlushIntervalMs = 1_500;
    public const int GiftComboWindowMs = 6_000;

    /// <summary>The secret the Proxy would sign identity with; tests sign as the Proxy does.</summary>
    public const string ProxySecret = RealtimeCluster.ProxySecret;

    private RealtimeCluster? cluster;

    public TestHost Rooms => cluster!.Rooms;
    public TestHost Users => cluster!.Users;
    public TestHost MessagesA => cluster!.MessageServices[0];
    public TestHost MessagesB => cluster!.MessageServices[1];
    public TestHost EdgeA => cluster!.Edges[0];
    public TestHost EdgeB => cluster!.Edges[1];
    public RoomServiceClient RoomClient { get; private set; } = null!;
    public MessageServiceClient MessageClient { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        cluster = await new RealtimeClusterBuilder("realtime")
            .WithMessageServiceSettings(new Dictionary<string, string?>
            {
                ["Messages:HistoryLength"] = HistoryLength.ToString(CultureInfo.InvariantCulture),
                // These tests are about the real-time core, and send faster and more alike than a viewer may:
                // moderation's limits are lifted here (tests/Realtime.Tests/Moderation* keep its defaults).
                ["Moderation:MessagesPerSecond"] = "10000",
                ["Moderation:Burst"] = "10000",
                ["Moderation:DuplicateWindowMs"] = "0",
                ["GiftCombos:FlushIntervalMs"] = GiftFlushIntervalMs.ToString(CultureInfo.InvariantCulture),
                ["GiftCombos:WindowMs"] = GiftComboWindowMs.ToString(CultureInfo.InvariantCulture),
            })
            .WithEdgeSettings(new Dictionary<string, string?>
            {
                ["Edge:OutboxCapBytes"] = OutboxCapBytes.ToString(CultureInfo.InvariantCulture),
                ["Edge:SlowConsumerGraceMs"] = "1000",
                ["Edge:SocketSendBufferBytes"] = "16384",
                ["Edge:MaxInboundFrameBytes"] = MaxInboundFrameBytes.ToString(CultureInfo.InvariantCulture),
                ["Edge:MaxFramesPerSecond"] = MaxFramesPerSecond.ToString(CultureInfo.InvariantCulture),
                ["Edge:MaxInvalidFrames"] = MaxInvalidFrames.ToString(CultureInfo.InvariantCulture),
                ["Edge:OnlineCountIntervalMs"] = "300",
                // Rooms of a few viewers already take the parallel fan-out path here, over three writer shards.
                ["Edge:ParallelFanoutMinConnections"] = ParallelFanoutMinConnections.ToString(CultureInfo.InvariantCulture),
                ["Edge:FanoutWriters"] = "3",
            })
            .StartAsync();
        RoomClient = new RoomServiceClient(Rooms.Channel);
        MessageClient = new MessageServiceClient(MessagesA.Channel);
    }

    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
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
        var id = userId.ToString(CultureInfo.InvariantCulture);
        var name = Uri.EscapeDataString(userName);
        var levelText = level.ToString(CultureInfo.InvariantCulture);
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

    /// <summary>Another MessageService on the fixture's databases and settings; the test disposes it.</summary>
    /// <param name="kafka">Another bootstrap address, e.g. one where nothing listens.</param>
    /// <param name="overrides">Settings over the fixture's MessageService settings.</param>
    public Task<TestHost> StartMessageServiceAsync(string? kafka = null, IDictionary<string, string?>? overrides = null) =>
        cluster!.StartMessageServiceAsync(kafka, overrides);

    /// <summary>Another RoomService on the fixture's room database with a Redis of its own; the test disposes it.</summary>
    public Task<TestHost> StartRoomServiceAsync(PrivateRedis redis) => cluster!.StartRoomServiceAsync(redis);

    /// <summary>Another Edge with the fixture's settings; the test disposes it.</summary>
    /// <param name="overrides">Settings over the fixture's Edge settings.</param>
    public Task<TestHost> StartEdgeAsync(TestHost messages, IDictionary<string, string?>? overrides = null) =>
        cluster!.StartEdgeAsync(messages, overrides);

    /// <summary>Another Edge relaying through the MessageService at <paramref name="messageService"/> (e.g. where none listens).</summary>
    public Task<TestHost> StartEdgeAsync(Uri messageService, IDictionary<string, string?>? overrides = null) =>
        cluster!.StartEdgeAsync(messageService, overrides);
}
