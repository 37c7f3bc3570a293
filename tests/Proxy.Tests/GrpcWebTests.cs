using System.Net;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Live.Testing;
using Live.V1;

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
public sealed partial class GrpcWebTests(GrpcWebFixture fixture) : IClassFixture<GrpcWebFixture>
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
        var before = await ResponsesAsync();
        using var channel = WebChannel(GrpcWebMode.GrpcWeb, HttpVersion.Version11);
        var users = new Live.V1.UserService.UserServiceClient(channel);
        var username = "m" + Guid.NewGuid().ToString("N")[..12];
        await users.RegisterAsync(new RegisterRequest { Username = username, Password = "grpc-web-password" });
        var tokens = await users.LoginAsync(new LoginRequest { Username = username, Password = "grpc-web-password" });
        var down = await Assert.ThrowsAsync<RpcException>(() => new Live.V1.MessageService.MessageServiceClient(channel)
            .GetHistoryAsync(new GetHistoryRequest { RoomId = 1 }, ProxyEnvironment.Bearer(tokens.AccessToken)).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, down.StatusCode);

        // Read as Prometheus does, from the Proxy's /metrics (the ProxyGrpcFailures alert divides these); the
        // exporter serves a cached scrape for a moment, so read until it is fresh.
        var after = await ResponsesAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(10); after.GetValueOrDefault(("grpc-web", "server_error")) == before.GetValueOrDefault(("grpc-web", "server_error")) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(200);
            after = await ResponsesAsync();
        }

        var seen = string.Join("; ", after.Select(c => $"{c.Key}={c.Value}"));
        // At least: the cached scrape read as "before" may predate the previous test's calls on this fixture.
        Assert.True(after.GetValueOrDefault(("grpc-web", "ok")) >= before.GetValueOrDefault(("grpc-web", "ok")) + 2, "two calls answered: " + seen);
        Assert.True(after.GetValueOrDefault(("grpc-web", "server_error")) > before.GetValueOrDefault(("grpc-web", "server_error")), "the backend that is down: " + seen);
    }

    /// <summary>live_proxy_responses_total by (protocol, outcome), scraped from the Proxy.</summary>
    private async Task<Dictionary<(string Protocol, string Outcome), double>> ResponsesAsync()
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(Env.Proxy.HttpAddress, "/metrics"));
        var counts = new Dictionary<(string, string), double>();
        foreach (var line in text.Split('\n'))
        {
            var match = ResponsesLine().Match(line);
            if (match.Success)
            {
                var key = (Label(line, "protocol"), Label(line, "outcome"));
                counts[key] = counts.GetValueOrDefault(key) + double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return counts;
    }

    private static string Label(string line, string name)
    {
        var start = line.IndexOf(name + "=\"", StringComparison.Ordinal) + name.Length + 2;
        return line[start..line.IndexOf('"', start)];
    }

    [GeneratedRegex(@"^live_proxy_responses_total\{.*\}\s+(\S+)")]
    private static partial Regex ResponsesLine();

    private GrpcChannel WebChannel(GrpcWebMode mode, Version httpVersion) =>
        GrpcChannel.ForAddress(Env.Proxy.PublicAddress, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(mode, Env.Proxy.CreateHandler()),
            HttpVersion = httpVersion,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            DisposeHttpClient = true,
        });
}
