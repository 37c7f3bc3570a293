using Grpc.Core;
using Live.V1;

namespace Live.RoomService.Tests;

public sealed class ViewerTests(RoomServiceFixture fixture) : IClassFixture<RoomServiceFixture>
{
    private readonly RoomServiceClient client = fixture.Client;

    [Fact]
    public async Task Join_and_leave_are_idempotent()
    {
        var room = await fixture.CreateLiveRoomAsync();
        Assert.Equal(1, (await client.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id, UserId = 10 })).Viewers);
        Assert.Equal(1, (await client.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id, UserId = 10 })).Viewers);
        Assert.Equal(2, (await client.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id, UserId = 11 })).Viewers);

        Assert.Equal(1, (await client.LeaveRoomAsync(new LeaveRoomRequest { RoomId = room.Id, UserId = 10 })).Viewers);
        Assert.Equal(1, (await client.LeaveRoomAsync(new LeaveRoomRequest { RoomId = room.Id, UserId = 10 })).Viewers);
        Assert.Equal(1, (await client.LeaveRoomAsync(new LeaveRoomRequest { RoomId = room.Id, UserId = 99 })).Viewers);

        var count = await client.GetViewerCountAsync(new GetViewerCountRequest { RoomId = room.Id });
        Assert.Equal(1, count.Viewers);
        Assert.Equal(2, count.PeakViewers);
    }

    [Fact]
    public async Task Joining_a_room_that_is_not_live_fails()
    {
        var idle = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 3, Title = "idle", Category = "chat" });
        var error = await Assert.ThrowsAsync<RpcException>(() => client.JoinRoomAsync(new JoinRoomRequest { RoomId = idle.Id, UserId = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("not live", error.Status.Detail);

        var ended = await fixture.CreateLiveRoomAsync();
        await client.StopLiveAsync(new StopLiveRequest { RoomId = ended.Id });
        error = await Assert.ThrowsAsync<RpcException>(() => client.JoinRoomAsync(new JoinRoomRequest { RoomId = ended.Id, UserId = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task A_batch_reports_each_change_and_the_final_counts()
    {
        var a = await fixture.CreateLiveRoomAsync();
        var b = await fixture.CreateLiveRoomAsync();
        var idle = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 3, Title = "idle", Category = "chat" });
        var request = new ApplyViewerChangesRequest();
        request.Changes.Add(new ViewerChange { RoomId = a.Id, UserId = 1, Join = true });
        request.Changes.Add(new ViewerChange { RoomId = a.Id, UserId = 1, Join = true });
        request.Changes.Add(new ViewerChange { RoomId = a.Id, UserId = 2, Join = true });
        request.Changes.Add(new ViewerChange { RoomId = b.Id, UserId = 1, Join = true });
        request.Changes.Add(new ViewerChange { RoomId = a.Id, UserId = 2, Join = false });
        request.Changes.Add(new ViewerChange { RoomId = idle.Id, UserId = 1, Join = true });
        request.Changes.Add(new ViewerChange { RoomId = 999_999_999, UserId = 1, Join = true });

        var response = await client.ApplyViewerChangesAsync(request);

        Assert.Equal(
            [ViewerChangeOutcome.Applied, ViewerChangeOutcome.Applied, ViewerChangeOutcome.Applied, ViewerChangeOutcome.Applied,
             ViewerChangeOutcome.Applied, ViewerChangeOutcome.RoomNotLive, ViewerChangeOutcome.RoomNotFound],
            response.Outcomes);
        var counts = response.Counts.ToDictionary(c => c.RoomId);
        Assert.Equal(1, counts[a.Id].Viewers);
        Assert.Equal(2, counts[a.Id].PeakViewers);
        Assert.Equal(1, counts[b.Id].Viewers);
        Assert.False(counts.ContainsKey(idle.Id));
    }

    [Fact]
    public async Task An_oversized_batch_is_rejected_whole()
    {
        var room = await fixture.CreateLiveRoomAsync();
        var request = new ApplyViewerChangesRequest();
        for (var i = 1; i <= 1001; i++)
        {
            request.Changes.Add(new ViewerChange { RoomId = room.Id, UserId = i, Join = true });
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ApplyViewerChangesAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("maximum per call is 1000", error.Status.Detail);
        Assert.Equal(0, (await client.GetViewerCountAsync(new GetViewerCountRequest { RoomId = room.Id })).Viewers);
    }

    [Fact]
    public async Task A_lost_live_marker_is_restored_from_the_database()
    {
        var room = await fixture.CreateLiveRoomAsync();
        await fixture.Redis.KeyDeleteAsync($"room:{{{room.Id}}}:live");

        var joined = await client.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id, UserId = 1 });

        Assert.Equal(1, joined.Viewers);
        Assert.True(await fixture.Redis.KeyExistsAsync($"room:{{{room.Id}}}:live"));
    }
}
