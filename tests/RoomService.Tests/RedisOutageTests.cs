using System.Diagnostics;
using Grpc.Core;
using Live.Testing;
using Live.V1;

namespace Live.RoomService.Tests;

/// <summary>A RoomService on a Redis of its own, which the test stops and starts.</summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan PromptFailure = TimeSpan.FromSeconds(5);
    private PrivateRedis redis = null!;
    private TestDatabase database = null!;
    private TestHost host = null!;
    private RoomServiceClient client = null!;

    public async Task InitializeAsync()
    {
        redis = await PrivateRedis.StartAsync();
        database = await TestDatabase.CreateAsync("rooms_outage");
        host = await RoomServiceFixture.StartRoomServiceAsync(database.ConnectionString, redis.ConnectionString);
        client = new RoomServiceClient(host.Channel);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
        await redis.DisposeAsync();
    }

    [Fact]
    public async Task While_Redis_is_down_reads_fall_back_to_MySQL_viewer_calls_fail_fast_and_all_recovers()
    {
        var room = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = "outage", Category = "chat" });
        await client.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
        await client.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id, UserId = 1 });

        await redis.StopAsync();

        var clock = Stopwatch.StartNew();
        var served = await client.GetRoomAsync(new GetRoomRequest { RoomId = room.Id });
        Assert.True(clock.Elapsed < PromptFailure, $"GetRoom took {clock.Elapsed}");
        Assert.Equal(RoomStatus.Live, served.Status);
        Assert.False(served.HasViewerCount, "an unknown viewer count must be left unset, not reported as 0");

        clock.Restart();
        var join = await Assert.ThrowsAsync<RpcException>(() => client.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id, UserId = 2 }).ResponseAsync);
        Assert.True(clock.Elapsed < PromptFailure, $"JoinRoom took {clock.Elapsed}");
        Assert.Equal(StatusCode.Unavailable, join.StatusCode);
        Assert.Contains("Redis is unavailable", join.Status.Detail);

        var created = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = "made during outage", Category = "chat" });
        Assert.True(created.Id > room.Id);

        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("redis", await ready.Content.ReadAsStringAsync());

        await redis.StartAgainAsync();

        // The new Redis is empty: the join restores the live marker from MySQL once reconnected.
        var recovered = await EventuallyAsync(() => client.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id, UserId = 2 }).ResponseAsync, TimeSpan.FromSeconds(20));
        Assert.Equal(1, recovered.Viewers);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);

        var errors = host.Logs.Errors.Where(e => !e.Category.Contains("HealthCheck", StringComparison.Ordinal)).ToList();
        Assert.Empty(errors);
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> call, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
