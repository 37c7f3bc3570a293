using System.Net;
using Grpc.Core;
using Live.V1;

namespace Live.Proxy.Tests;

[Collection(DefaultEnvironmentCollection.Name)]
public sealed class EndToEndTests(DefaultEnvironmentFixture fixture)
{
    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task Register_login_and_CreateRoom_through_the_proxy_make_the_caller_the_anchor()
    {
        var (user, tokens, _) = await Env.RegisterAndLoginAsync();

        // anchor_user_id 0 means "me"; the RoomService learns who "me" is from the proxy's signed headers.
        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "Through the door", Category = "chat" }, ProxyEnvironment.Bearer(tokens.AccessToken));
        Assert.Equal(user.UserId, room.AnchorUserId);

        var live = await Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, ProxyEnvironment.Bearer(tokens.AccessToken));
        Assert.Equal(RoomStatus.Live, live.Status);

        var profile = await Env.PublicUsers.GetProfileAsync(new GetProfileRequest(), ProxyEnvironment.Bearer(tokens.AccessToken));
        Assert.Equal(user.UserId, profile.UserId);
    }

    [Fact]
    public async Task Identity_headers_sent_by_a_client_are_replaced_by_the_verified_ones()
    {
        var (user, tokens, _) = await Env.RegisterAndLoginAsync();
        var (victim, _, _) = await Env.RegisterAndLoginAsync();
        var forged = ProxyEnvironment.Bearer(tokens.AccessToken);
        forged.Add("x-user-id", victim.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        forged.Add("x-user-roles", "viewer,admin");
        forged.Add("x-live-identity", "v1.0.forged");

        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "mine", Category = "chat" }, forged);
        Assert.Equal(user.UserId, room.AnchorUserId);

        var asOther = await Assert.ThrowsAsync<RpcException>(() => Env.PublicRooms.CreateRoomAsync(
            new CreateRoomRequest { AnchorUserId = victim.UserId, Title = "theirs", Category = "chat" }, forged).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, asOther.StatusCode);

        var admin = await Assert.ThrowsAsync<RpcException>(() => Env.PublicUsers.BanUserAsync(
            new BanUserRequest { UserId = victim.UserId, Reason = "forged admin" }, forged).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, admin.StatusCode);
    }

    [Fact]
    public async Task Only_a_room_s_anchor_or_an_admin_may_change_it()
    {
        var (_, anchor, _) = await Env.RegisterAndLoginAsync();
        var (other, otherTokens, password) = await Env.RegisterAndLoginAsync();
        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "owned", Category = "music" }, ProxyEnvironment.Bearer(anchor.AccessToken));

        var stranger = await Assert.ThrowsAsync<RpcException>(() =>
            Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, ProxyEnvironment.Bearer(otherTokens.AccessToken)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, stranger.StatusCode);

        // Roles are granted on the internal port; the new role is in the next token.
        await Env.InternalUsers.SetUserRolesAsync(new SetUserRolesRequest { UserId = other.UserId, Roles = { Role.Viewer, Role.Admin } });
        var adminTokens = await Env.PublicUsers.LoginAsync(new LoginRequest { Username = other.Username, Password = password });
        var started = await Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, ProxyEnvironment.Bearer(adminTokens.AccessToken));
        Assert.Equal(RoomStatus.Live, started.Status);
    }

    [Fact]
    public async Task Backends_refuse_identity_that_did_not_come_from_the_proxy()
    {
        var direct = new RoomServiceClient(Env.RoomsV1.Channel);
        var forged = new Metadata { { "x-user-id", "42" }, { "x-user-roles", "admin" }, { "x-user-level", "1" }, { "x-user-name", "x" }, { "x-live-identity", "v1.1700000000.AAAA" } };
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            direct.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 42, Title = "x", Category = "chat" }, forged).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("Caller identity refused", error.Status.Detail);

        // With no identity at all the call is internal, as before the proxy existed.
        var room = await direct.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 42, Title = "internal", Category = "chat" });
        Assert.Equal(42, room.AnchorUserId);
    }

    [Fact]
    public async Task Refresh_works_through_the_proxy_and_a_revoked_or_reused_refresh_token_fails()
    {
        var (_, first, _) = await Env.RegisterAndLoginAsync();
        var second = await Env.PublicUsers.RefreshAsync(new RefreshRequest { RefreshToken = first.RefreshToken });
        await Env.PublicRooms.ListRoomsAsync(new ListRoomsRequest(), ProxyEnvironment.Bearer(second.AccessToken));

        var reused = await Assert.ThrowsAsync<RpcException>(() => Env.PublicUsers.RefreshAsync(new RefreshRequest { RefreshToken = first.RefreshToken }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, reused.StatusCode);
        var familyRevoked = await Assert.ThrowsAsync<RpcException>(() => Env.PublicUsers.RefreshAsync(new RefreshRequest { RefreshToken = second.RefreshToken }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, familyRevoked.StatusCode);

        var (_, other, _) = await Env.RegisterAndLoginAsync();
        await Env.PublicUsers.LogoutAsync(new LogoutRequest { RefreshToken = other.RefreshToken }, ProxyEnvironment.Bearer(other.AccessToken));
        var revoked = await Assert.ThrowsAsync<RpcException>(() => Env.PublicUsers.RefreshAsync(new RefreshRequest { RefreshToken = other.RefreshToken }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, revoked.StatusCode);
        Assert.Contains("revoked", revoked.Status.Detail);
    }

    [Fact]
    public async Task The_JWKS_and_health_are_public_and_metrics_are_not()
    {
        using var http = Env.Proxy.CreateHttpClient(HttpVersion.Version11);
        var jwks = await http.GetStringAsync("/.well-known/jwks.json");
        Assert.Contains("\"kty\":\"RSA\"", jwks);
        Assert.DoesNotContain("\"d\":", jwks);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);

        using var management = new HttpClient { BaseAddress = Env.Proxy.HttpAddress };
        var ready = await management.GetStringAsync("/health/ready");
        Assert.Contains("\"jwks\":{\"status\":\"Healthy\"", ready);
        Assert.Contains("live_proxy_routed", await management.GetStringAsync("/metrics"));
    }
}
