using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Live.Testing;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Proxy.Tests;

/// <summary>
/// Runs after every parallel collection, alone: OpenTelemetry keeps one stream per instrument name, so while
/// another Proxy host lives in the process the /metrics of this one may show the other's live.proxy counters.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "Alone in the process (reads its own Proxy's /metrics)";
}

public sealed class GrpcWebFixture : ProxyEnvironmentFixture
{
    protected override bool WithStats => true;

    /// <summary>MessageService's cluster points at a port nothing listens on: calls to it are the backend failing.</summary>
    protected override IDictionary<string, string?> ProxySettings => new Dictionary<string, string?>
    {
        ["ReverseProxy:Clusters:message:Destinations:v1:Address"] = $"http://127.0.0.1:{TestEnvironment.FreeTcpPort()}",
    };
}

/// <summary>
/// Browsers speak gRPC-Web (over HTTP/1.1 or HTTP/2, binary or base64 text) to the Proxy's public port; the
/// Proxy forwards it like any gRPC call — token, limits, identity headers and canary alike — and the services
/// answer it themselves (Grpc.AspNetCore.Web).
/// </summary>
public sealed class GrpcWebTests(GrpcWebFixture fixture) : IClassFixture<GrpcWebFixture>
{
    private ProxyEnvironment Env => fixture.Environment;

    [Theory]
    [InlineData(GrpcWebMode.GrpcWebText, "1.1")]
    [InlineData(GrpcWebMode.GrpcWeb, "1.1")]
    [InlineData(GrpcWebMode.GrpcWeb, "2.0")]
    public async Task Unary_calls_sign_in_and_act_as_the_verified_caller(GrpcWebMode mode, string httpVersion)
    {
        using var channel = WebChannel(mode, Version.Parse(httpVersion));
        var users = new Live.V1.UserService.UserServiceClient(channel);
        var username = "w" + Guid.NewGuid().ToString("N")[..12];
        var registered = await users.RegisterAsync(new RegisterRequest { Username = username, Password = "grpc-web-password", AsAnchor = true });
        var tokens = await users.LoginAsync(new LoginRequest { Username = username, Password = "grpc-web-password" });

        // A forged identity header is dropped as for native gRPC: the room belongs to the token's user.
        var headers = ProxyEnvironment.Bearer(tokens.AccessToken);
        headers.Add("x-user-id", "1");
        headers.Add("x-user-roles", "viewer,admin");
        var call = new Live.V1.RoomService.RoomServiceClient(channel).CreateRoomAsync(new CreateRoomRequest { Title = "from a browser", Category = "chat" }, headers);
        var room = await call;
        Assert.Equal(registered.UserId, room.AnchorUserId);
        Assert.Equal("v1", (await call.ResponseHeadersAsync).GetValue("x-served-version"));
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWebText)]
    [InlineData(GrpcWebMode.GrpcWeb)]
    public async Task A_call_without_a_valid_token_is_refused_as_unauthenticated(GrpcWebMode mode)
    {
        using var channel = WebChannel(mode, HttpVersion.Version11);
        var rooms = new Live.V1.RoomService.RoomServiceClient(channel);

        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            rooms.CreateRoomAsync(new CreateRoomRequest { Title = "no token", Category = "chat" }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Equal("This call needs an access token (Authorization: Bearer <token>).", missing.Status.Detail);

        // A public read takes no token, but a token that is there must be valid: never a quiet downgrade to guest.

        var forged = await Assert.ThrowsAsync<RpcException>(() =>
            rooms.ListRoomsAsync(new ListRoomsRequest(), ProxyEnvironment.Bearer("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWebText)]
    [InlineData(GrpcWebMode.GrpcWeb)]
    public async Task WatchRoomStats_streams_through_the_proxy(GrpcWebMode mode)
    {
        var (_, tokens, _) = await Env.RegisterAndLoginAsync();
        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "watched", Category = "chat" }, ProxyEnvironment.Bearer(tokens.AccessToken));
        await Env.PublicRooms.StartLiveAsync(new StartLiveRequest { RoomId = room.Id }, ProxyEnvironment.Bearer(tokens.AccessToken));

        using var channel = WebChannel(mode, HttpVersion.Version11);
        var stats = new Live.V1.StatsService.StatsServiceClient(channel);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var stream = stats.WatchRoomStats(new WatchRoomStatsRequest { RoomId = room.Id }, ProxyEnvironment.Bearer(tokens.AccessToken), cancellationToken: timeout.Token);

        // The first value comes at once and the feed pushes one a second: two prove the body is streamed, not buffered.
        var received = new List<RoomStats>();
        while (received.Count < 2 && await stream.ResponseStream.MoveNext(timeout.Token))
        {
            received.Add(stream.ResponseStream.Current);
        }

        Assert.Equal(2, received.Count);
        Assert.All(received, s => Assert.Equal(room.Id, s.RoomId));
        Assert.Equal("v1", (await stream.ResponseHeadersAsync).GetValue("x-served-version"));
    }

    [Fact]
    public async Task A_guest_watches_room_stats_without_a_token()
    {
        var (_, tokens, _) = await Env.RegisterAndLoginAsync();
        var room = await Env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "public stats", Category = "chat" }, ProxyEnvironment.Bearer(tokens.AccessToken));

        using var channel = WebChannel(GrpcWebMode.GrpcWeb, HttpVersion.Version11);
        var stats = new Live.V1.StatsService.StatsServiceClient(channel);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var stream = stats.WatchRoomStats(new WatchRoomStatsRequest { RoomId = room.Id }, cancellationToken: timeout.Token);

        Assert.True(await stream.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(room.Id, stream.ResponseStream.Current.RoomId);
    }

    [Fact]
    public async Task A_stream_with_an_invalid_token_is_refused_before_it_starts()
    {
        using var channel = WebChannel(GrpcWebMode.GrpcWeb, HttpVersion.Version11);
        var stats = new Live.V1.StatsService.StatsServiceClient(channel);
        using var stream = stats.WatchRoomStats(new WatchRoomStatsRequest { RoomId = 1 }, ProxyEnvironment.Bearer("not.a.jwt"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task Forwarded_calls_are_counted_by_protocol_and_a_backend_that_cannot_answer_is_a_server_error()
    {
        // This Proxy's own live.proxy.responses (the ProxyGrpcFailures alert divides these): listened to on its
        // meter factory, since every Proxy host in the test process has an instrument of that name.
        var factory = Env.Proxy.App.Services.GetRequiredService<IMeterFactory>();
        var counts = new ConcurrentDictionary<(string Protocol, string Outcome), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "live.proxy.responses" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string protocol = "", outcome = "";
            foreach (var tag in tags)
            {
                if (tag.Key == "protocol") protocol = (string)tag.Value!;
                if (tag.Key == "outcome") outcome = (string)tag.Value!;
            }

            counts.AddOrUpdate((protocol, outcome), value, (_, total) => total + value);
        });
        listener.Start();

        using var channel = WebChannel(GrpcWebMode.GrpcWeb, HttpVersion.Version11);
        var users = new Live.V1.UserService.UserServiceClient(channel);
        var username = "m" + Guid.NewGuid().ToString("N")[..12];
        await users.RegisterAsync(new RegisterRequest { Username = username, Password = "grpc-web-password" });
        var tokens = await users.LoginAsync(new LoginRequest { Username = username, Password = "grpc-web-password" });
        var down = await Assert.ThrowsAsync<RpcException>(() => new Live.V1.MessageService.MessageServiceClient(channel)
            .GetHistoryAsync(new GetHistoryRequest { RoomId = 1 }, ProxyEnvironment.Bearer(tokens.AccessToken)).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, down.StatusCode);

        // Counted when the Proxy finishes the response, which may be just after the client has read it.
        for (var deadline = DateTime.UtcNow.AddSeconds(10); counts.GetValueOrDefault(("grpc-web", "server_error")) == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(100);
        }

        var seen = string.Join("; ", counts.Select(c => $"{c.Key}={c.Value}"));
        Assert.True(counts.GetValueOrDefault(("grpc-web", "ok")) >= 2, "two calls answered: " + seen);
        Assert.True(counts.GetValueOrDefault(("grpc-web", "server_error")) >= 1, "the backend that is down: " + seen);
    }

    private GrpcChannel WebChannel(GrpcWebMode mode, Version httpVersion) =>
        GrpcChannel.ForAddress(Env.Proxy.PublicAddress, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(mode, Env.Proxy.CreateHandler()),
            HttpVersion = httpVersion,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            DisposeHttpClient = true,
        });
}
