using Grpc.Core;
using Live.V1;

namespace Live.RoomService.Tests;

public sealed class RoomLifecycleTests(RoomServiceFixture fixture) : IClassFixture<RoomServiceFixture>
{
    private readonly RoomServiceClient client = fixture.Client;

    [Fact]
    public async Task Create_start_join_stop_records_the_broadcast()
    {
        var created = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 42, Title = "  Evening chat  ", Category = "chat", CoverUrl = "https://img.example/c.png" });
        Assert.True(created.Id > 0);
        Assert.Equal("Evening chat", created.Title);
        Assert.Equal(RoomStatus.Idle, created.Status);
        Assert.Null(created.StartedAt);

        var live = await client.StartLiveAsync(new StartLiveRequest { RoomId = created.Id });
        Assert.Equal(RoomStatus.Live, live.Status);
        Assert.NotNull(live.StartedAt);
        Assert.True(live.Version > created.Version);

        await client.JoinRoomAsync(new JoinRoomRequest { RoomId = created.Id, UserId = 1 });
        await client.JoinRoomAsync(new JoinRoomRequest { RoomId = created.Id, UserId = 2 });
        var three = await client.JoinRoomAsync(new JoinRoomRequest { RoomId = created.Id, UserId = 3 });
        Assert.Equal(3, three.Viewers);
        var two = await client.LeaveRoomAsync(new LeaveRoomRequest { RoomId = created.Id, UserId = 3 });
        Assert.Equal(2, two.Viewers);
        Assert.Equal(3, two.PeakViewers);

        var fetched = await client.GetRoomAsync(new GetRoomRequest { RoomId = created.Id });
        Assert.Equal(RoomStatus.Live, fetched.Status);
        Assert.Equal(2, fetched.ViewerCount);

        var ended = await client.StopLiveAsync(new StopLiveRequest { RoomId = created.Id });
        Assert.Equal(RoomStatus.Ended, ended.Status);
        Assert.Equal(3, ended.PeakViewers);
        Assert.NotNull(ended.EndedAt);
        Assert.Equal(0, (await client.GetViewerCountAsync(new GetViewerCountRequest { RoomId = created.Id })).Viewers);

        // An ended room can host a new broadcast, which starts with a fresh peak.
        var again = await client.StartLiveAsync(new StartLiveRequest { RoomId = created.Id });
        Assert.Equal(RoomStatus.Live, again.Status);
        Assert.Equal(0, again.PeakViewers);
        Assert.Null(again.EndedAt);
    }

    [Fact]
    public async Task Invalid_transitions_fail_with_the_reason()
    {
        var room = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = "t", Category = "music" });

        var stopIdle = await Assert.ThrowsAsync<RpcException>(() => client.StopLiveAsync(new StopLiveRequest { RoomId = room.Id }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, stopIdle.StatusCode);
        Assert.Contains("idle, not live", stopIdle.Status.Detail);

        await client.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
        var startLive = await Assert.ThrowsAsync<RpcException>(() => client.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, startLive.StatusCode);
        Assert.Contains("already live", startLive.Status.Detail);

        await client.StopLiveAsync(new StopLiveRequest { RoomId = room.Id });
        var stopEnded = await Assert.ThrowsAsync<RpcException>(() => client.StopLiveAsync(new StopLiveRequest { RoomId = room.Id }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, stopEnded.StatusCode);
        Assert.Contains("ended, not live", stopEnded.Status.Detail);
    }

    [Fact]
    public async Task Missing_rooms_are_not_found()
    {
        const long missing = 987_654_321;
        foreach (var call in new Func<Task>[]
        {
            () => client.GetRoomAsync(new GetRoomRequest { RoomId = missing }).ResponseAsync,
            () => client.StartLiveAsync(new StartLiveRequest { RoomId = missing }).ResponseAsync,
            () => client.StopLiveAsync(new StopLiveRequest { RoomId = missing }).ResponseAsync,
            () => client.JoinRoomAsync(new JoinRoomRequest { RoomId = missing, UserId = 1 }).ResponseAsync,
            () => client.GetViewerCountAsync(new GetViewerCountRequest { RoomId = missing }).ResponseAsync,
            () => client.UpdateRoomAsync(new UpdateRoomRequest { RoomId = missing, Title = "x" }).ResponseAsync,
        })
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.NotFound, error.StatusCode);
            Assert.Contains($"room {missing} does not exist", error.Status.Detail);
        }
    }

    [Fact]
    public async Task Of_concurrent_StartLive_calls_exactly_one_wins()
    {
        var room = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 5, Title = "race", Category = "gaming" });
        using var start = new ManualResetEventSlim();
        var calls = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                await client.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(calls);

        Assert.Equal(1, results.Count(r => r == StatusCode.OK));
        Assert.Equal(15, results.Count(r => r == StatusCode.FailedPrecondition));
        var after = await client.GetRoomAsync(new GetRoomRequest { RoomId = room.Id });
        Assert.Equal(RoomStatus.Live, after.Status);
        Assert.Equal(room.Version + 1, after.Version);
    }

    [Fact]
    public async Task Update_with_a_stale_version_is_aborted()
    {
        var room = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 5, Title = "v1", Category = "chat" });
        var updated = await client.UpdateRoomAsync(new UpdateRoomRequest { RoomId = room.Id, ExpectedVersion = room.Version, Title = "v2" });
        Assert.Equal("v2", updated.Title);
        Assert.Equal(room.Version + 1, updated.Version);

        var stale = await Assert.ThrowsAsync<RpcException>(() =>
            client.UpdateRoomAsync(new UpdateRoomRequest { RoomId = room.Id, ExpectedVersion = room.Version, Title = "v3" }).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        Assert.Equal("v2", (await client.GetRoomAsync(new GetRoomRequest { RoomId = room.Id })).Title);
    }
}
