using System.Diagnostics;
using Live.Testing;
using Live.V1;

namespace Live.RoomService.Tests;

/// <summary>
/// Two RoomService replicas on one database and one Redis, each reusing its GetRoom and ListRooms answers:
/// replica A for 400 ms, replica B for a minute, so that anything B sees sooner came by the change notice.
/// </summary>
public sealed class RoomReadCacheTests : IAsyncLifetime
{
    private static readonly TimeSpan NoticeWait = TimeSpan.FromSeconds(3);
    private TestDatabase database = null!;
    private TestHost hostA = null!;
    private TestHost hostB = null!;
    private RoomServiceClient replicaA = null!;
    private RoomServiceClient replicaB = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync("rooms_reads");
        hostA = await RoomServiceFixture.StartRoomServiceAsync(database.ConnectionString, TestEnvironment.Redis, new Dictionary<string, string?> { ["Rooms:ReadCacheMs"] = "400" });
        hostB = await RoomServiceFixture.StartRoomServiceAsync(database.ConnectionString, TestEnvironment.Redis, new Dictionary<string, string?> { ["Rooms:ReadCacheMs"] = "60000" });
        replicaA = new RoomServiceClient(hostA.Channel);
        replicaB = new RoomServiceClient(hostB.Channel);
    }

    public async Task DisposeAsync()
    {
        await hostA.DisposeAsync();
        await hostB.DisposeAsync();
        await database.DisposeAsync();
        hostA.Logs.AssertNoErrors();
        hostB.Logs.AssertNoErrors();
    }

    [Fact]
    public async Task A_change_through_one_replica_reaches_the_other_replicas_reads_by_notice()
    {
        var room = await replicaA.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 5, Title = "first title", Category = "chat" });
        Assert.Equal("first title", (await replicaB.GetRoomAsync(new GetRoomRequest { RoomId = room.Id })).Title);

        await replicaA.UpdateRoomAsync(new UpdateRoomRequest { RoomId = room.Id, Title = "second title" });
        Assert.Equal("second title", (await replicaA.GetRoomAsync(new GetRoomRequest { RoomId = room.Id })).Title);

        var seen = await UntilAsync(async () => (await replicaB.GetRoomAsync(new GetRoomRequest { RoomId = room.Id })).Title, title => title == "second title");
        Assert.Equal("second title", seen);
    }

    [Fact]
    public async Task A_room_that_goes_live_through_one_replica_is_listed_by_the_other()
    {
        var room = await replicaA.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 5, Title = "soon live", Category = "music" });
        var listLive = new ListRoomsRequest { Status = RoomStatus.Live, Category = "music" };
        Assert.DoesNotContain((await replicaB.ListRoomsAsync(listLive)).Rooms, r => r.Id == room.Id);

        await replicaA.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });

        var listed = await UntilAsync(async () => (await replicaB.ListRoomsAsync(listLive)).Rooms, rooms => rooms.Any(r => r.Id == room.Id));
        Assert.Contains(listed, r => r.Id == room.Id);
    }

    [Fact]
    public async Task A_viewer_count_is_reused_for_the_interval_and_then_read_again()
    {
        var room = await replicaA.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 5, Title = "counted", Category = "chat" });
        await replicaA.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
        Assert.Equal(0, (await replicaA.GetRoomAsync(new GetRoomRequest { RoomId = room.Id })).ViewerCount);

        var clock = Stopwatch.StartNew();
        await replicaA.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id, UserId = 11 });
        var soon = await replicaA.GetRoomAsync(new GetRoomRequest { RoomId = room.Id });
        if (clock.Elapsed < TimeSpan.FromMilliseconds(300))
        {
            // Joins do not drop the answer: a busy room's count changes many times a second.
            Assert.Equal(0, soon.ViewerCount);
        }

        var count = await UntilAsync(async () => (await replicaA.GetRoomAsync(new GetRoomRequest { RoomId = room.Id })).ViewerCount, c => c == 1);
        Assert.Equal(1, count);
        Assert.True(clock.Elapsed < NoticeWait, $"the count took {clock.Elapsed} to show");
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value) || deadline.Elapsed > NoticeWait)
            {
                return value;
            }

            await Task.Delay(20);
        }
    }
}
