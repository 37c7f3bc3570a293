using Live.Protocol;
using Live.Realtime.Tests;
using Live.Testing;
using Live.V1;

namespace Live.Chaos.Tests;

/// <summary>
/// The traffic the outage scenarios run under: a live room with, on each Edge of the cluster, a viewer that
/// follows it (resuming as the SDK does) and a sender at 50 msg/s (not started). Disposing closes every client.
/// </summary>
public sealed class ChaosRoom : IAsyncDisposable
{
    private ChaosRoom(long id) => Id = id;

    public long Id { get; }

    public List<FollowingViewer> Viewers { get; } = [];

    public List<ChaosSender> Senders { get; } = [];

    /// <param name="firstUserId">Viewer i is user firstUserId + i, sender i user firstUserId + 10 + i.</param>
    /// <param name="edges">The Edges to connect through; the cluster's own when not given.</param>
    public static async Task<ChaosRoom> OpenAsync(RealtimeCluster cluster, string title, long firstUserId, TimeSpan patience, IReadOnlyList<TestHost>? edges = null)
    {
        edges ??= cluster.Edges;
        var rooms = new RoomServiceClient(cluster.Rooms.Channel);
        var created = await rooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 7, Title = title, Category = "chat" });
        await rooms.StartLiveAsync(new StartLiveRequest { RoomId = created.Id });
        var room = new ChaosRoom(created.Id);
        try
        {
            for (var i = 0; i < edges.Count; i++)
            {
                var edge = edges[i];
                var viewerId = firstUserId + i;
                var senderId = firstUserId + 10 + i;
                room.Viewers.Add(await FollowingViewer.StartAsync(query => RoomClient.ConnectAsync(SocketUri(edge, created.Id, query), userId: viewerId)));
                room.Senders.Add(new ChaosSender("s" + i, () => RoomClient.ConnectAsync(SocketUri(edge, created.Id, null), userId: senderId), TimeSpan.FromMilliseconds(20)));
            }

            foreach (var viewer in room.Viewers)
            {
                await viewer.UntilAsync(e => e.Type == FrameType.Resume, patience);
            }

            return room;
        }
        catch
        {
            await room.DisposeAsync();
            throw;
        }
    }

    public static Uri SocketUri(TestHost edge, long roomId, string? query) =>
        new($"ws://127.0.0.1:{edge.HttpAddress.Port}/ws?room={roomId}{(query is null ? "" : "&" + query)}");

    public async ValueTask DisposeAsync()
    {
        foreach (var sender in Senders)
        {
            await sender.DisposeAsync();
        }

        foreach (var viewer in Viewers)
        {
            await viewer.DisposeAsync();
        }
    }
}
