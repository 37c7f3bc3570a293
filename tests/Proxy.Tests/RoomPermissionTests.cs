using Grpc.Core;
using Live.V1;

namespace Live.Proxy.Tests;

/// <summary>Opening and running rooms needs the anchor role (user.proto's as_anchor), checked on identity the Proxy forwarded.</summary>
[Collection(DefaultEnvironmentCollection.Name)]
public sealed class RoomPermissionTests(DefaultEnvironmentFixture fixture)
{
    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task A_viewer_cannot_open_change_start_or_stop_a_room_and_is_told_why()
    {
        var (viewer, tokens, _) = await Env.RegisterAndLoginAsync(asAnchor: false);
        var asViewer = ProxyEnvironment.Bearer(tokens.AccessToken);

        var create = await Assert.ThrowsAsync<RpcException>(() =>
            Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "not an anchor", Category = "chat" }, asViewer).ResponseAsync);
        AssertNeedsAnchorRole(create, "open a room", viewer.UserId);

        // Even a room that names the viewer as its anchor (opened by an internal caller) is not theirs to run.
        var room = await Env.InternalRooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = viewer.UserId, Title = "named anchor", Category = "chat" });
        var start = await Assert.ThrowsAsync<RpcException>(() =>
            Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, asViewer).ResponseAsync);
        AssertNeedsAnchorRole(start, "go live", viewer.UserId);

        var update = await Assert.ThrowsAsync<RpcException>(() =>
            Env.PublicRooms.UpdateRoomAsync(new UpdateRoomRequest { RoomId = room.Id, ExpectedVersion = room.Version, Title = "renamed" }, asViewer).ResponseAsync);
        AssertNeedsAnchorRole(update, "change a room", viewer.UserId);

        await Env.InternalRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
        var stop = await Assert.ThrowsAsync<RpcException>(() =>
            Env.PublicRooms.StopLiveAsync(new StopLiveRequest { RoomId = room.Id }, asViewer).ResponseAsync);
        AssertNeedsAnchorRole(stop, "end a broadcast", viewer.UserId);

        // Watching is what a viewer may do.
        var joined = await Env.PublicRooms.JoinRoomAsync(new JoinRoomRequest { RoomId = room.Id }, asViewer);
        Assert.Equal(1, joined.Viewers);
        Assert.Equal(RoomStatus.Live, (await Env.InternalRooms.GetRoomAsync(new GetRoomRequest { RoomId = room.Id })).Status);
    }

    [Fact]
    public async Task An_anchor_whose_role_was_taken_away_cannot_go_live_with_the_next_token()
    {
        var (anchor, tokens, password) = await Env.RegisterAndLoginAsync(asAnchor: true);
        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "mine for now", Category = "chat" }, ProxyEnvironment.Bearer(tokens.AccessToken));
        Assert.Equal(anchor.UserId, room.AnchorUserId);

        await Env.InternalUsers.SetUserRolesAsync(new SetUserRolesRequest { UserId = anchor.UserId, Roles = { Role.Viewer } });
        var demoted = await Env.PublicUsers.LoginAsync(new LoginRequest { Username = anchor.Username, Password = password });
        var start = await Assert.ThrowsAsync<RpcException>(() =>
            Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, ProxyEnvironment.Bearer(demoted.AccessToken)).ResponseAsync);
        AssertNeedsAnchorRole(start, "go live", anchor.UserId);
    }

    [Fact]
    public async Task An_admin_acts_for_an_anchor_and_internal_callers_work_as_before()
    {
        var (anchor, _, _) = await Env.RegisterAndLoginAsync(asAnchor: true);
        var (admin, _, password) = await Env.RegisterAndLoginAsync(asAnchor: false);
        await Env.InternalUsers.SetUserRolesAsync(new SetUserRolesRequest { UserId = admin.UserId, Roles = { Role.Viewer, Role.Admin } });
        var asAdmin = ProxyEnvironment.Bearer((await Env.PublicUsers.LoginAsync(new LoginRequest { Username = admin.Username, Password = password })).AccessToken);

        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = anchor.UserId, Title = "opened by an admin", Category = "music" }, asAdmin);
        Assert.Equal(anchor.UserId, room.AnchorUserId);
        Assert.Equal(RoomStatus.Live, (await Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, asAdmin)).Status);
        Assert.Equal(RoomStatus.Ended, (await Env.PublicRooms.StopLiveAsync(new StopLiveRequest { RoomId = room.Id }, asAdmin)).Status);

        // No forwarded identity: a service or an operator on the private port, trusted as before.
        var internalRoom = await Env.InternalRooms.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = anchor.UserId, Title = "internal", Category = "chat" });
        Assert.Equal(RoomStatus.Live, (await Env.InternalRooms.StartLiveAsync(new StartLiveRequest { RoomId = internalRoom.Id })).Status);
        Assert.Equal(RoomStatus.Ended, (await Env.InternalRooms.StopLiveAsync(new StopLiveRequest { RoomId = internalRoom.Id })).Status);
    }

    private static void AssertNeedsAnchorRole(RpcException error, string action, long userId)
    {
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal(
            $"only anchors may {action}; user {userId} does not have the anchor role (register with as_anchor, or ask an admin to grant it).",
            error.Status.Detail);
    }
}
