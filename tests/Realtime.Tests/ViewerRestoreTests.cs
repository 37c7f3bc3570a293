using Live.Protocol;
using Live.Testing;
using Live.V1;

namespace Live.Realtime.Tests;

/// <summary>
/// RoomService keeps viewer sets in Redis; when Redis loses them (here: a restart without persistence) while
/// viewers stay connected, the Edges put their viewers back, so the count returns without anyone reconnecting.
/// </summary>
[Collection(RealtimeCollection.Name)]
public sealed class ViewerRestoreTests(RealtimeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_viewer_count_comes_back_after_Redis_restarts_without_anyone_reconnecting()
    {
        await using var redis = await PrivateRedis.StartAsync();
        await using var roomService = await fixture.StartRoomServiceAsync(redis);
        await using var edge = await fixture.StartEdgeAsync(fixture.MessagesA, new Dictionary<string, string?>
        {
            ["Services:RoomService"] = roomService.GrpcAddress.ToString(),
        });
        var rooms = new RoomServiceClient(roomService.Channel);
        var created = await rooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 7, Title = "restored", Category = "chat" });
        var room = await rooms.StartLiveAsync(new StartLiveRequest { RoomId = created.Id });

        // Three signed-in users (one of them twice) and a guest: the count is 3.
        var clients = new List<RoomClient>();
        try
        {
            foreach (var userId in new long?[] { 7_301, 7_302, 7_303, 7_303, null })
            {
                var client = await RoomClient.ConnectAsync(fixture.WebSocketUri(edge, room.Id), userId: userId);
                clients.Add(client);
                await client.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
            }

            Assert.Equal(3, await WaitForCountAsync(rooms, room.Id, 3, TimeSpan.FromSeconds(10)));

            await redis.StopAsync();
            await redis.StartAgainAsync();

            Assert.Equal(3, await WaitForCountAsync(rooms, room.Id, 3, TimeSpan.FromSeconds(5)));
            foreach (var client in clients)
            {
                Assert.DoesNotContain(await client.DrainAsync(TimeSpan.FromMilliseconds(50)), e => e.IsClose);
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>Polls GetViewerCount until it reads <paramref name="wanted"/> or the time is up; the last count read.</summary>
    private static async Task<long> WaitForCountAsync(Live.V1.RoomService.RoomServiceClient rooms, long roomId, long wanted, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        long viewers = -1;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                viewers = (await rooms.GetViewerCountAsync(new GetViewerCountRequest { RoomId = roomId })).Viewers;
                if (viewers == wanted)
                {
                    return viewers;
                }
            }
            catch (Grpc.Core.RpcException)
            {
                // Redis is still coming back.
            }

            await Task.Delay(100);
        }

        return viewers;
    }
}
