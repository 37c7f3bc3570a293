using Live.Testing;
using Live.V1;

namespace Live.Realtime.Tests.Inbox;

/// <summary>Two MessageServices (each hosting InboxService) and two Edges, on the real MariaDB, Redis and broker.</summary>
public sealed class InboxDeliveryFixture : IAsyncLifetime
{
    private RealtimeCluster? cluster;

    public InboxSender Inbox { get; private set; } = null!;
    public RealtimeCluster Cluster => cluster!;
    public TestHost EdgeA => cluster!.Edges[0];
    public TestHost EdgeB => cluster!.Edges[1];

    public async Task InitializeAsync()
    {
        // A cap above the burst test's 400: with the default 200 the store rightly trims the oldest of the burst.
        cluster = await new RealtimeClusterBuilder("inbox")
            .WithMessageServiceSettings(new Dictionary<string, string?> { ["Inbox:MaxPerUser"] = "1000" })
            .StartAsync();
        Inbox = new InboxSender(new Live.V1.InboxService.InboxServiceClient(cluster.MessageServices[0].Channel));
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
        var rooms = new Live.V1.RoomService.RoomServiceClient(cluster!.Rooms.Channel);
        var room = await rooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 7, Title = "inbox", Category = "chat" });
        return await rooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
    }

    /// <summary>A user id no other run on the shared Redis uses, so inbox channels do not mix.</summary>
    public static long NewUserId() => Random.Shared.NextInt64(1_000_000_000, 4_000_000_000_000);

    public static Uri WebSocketUri(TestHost edge, long roomId) => new($"ws://127.0.0.1:{edge.HttpAddress.Port}/ws?room={roomId}");
}
