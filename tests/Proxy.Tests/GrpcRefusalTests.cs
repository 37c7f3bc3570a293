using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Grpc.Core;
using Live.V1;

namespace Live.Proxy.Tests;

/// <summary>
/// A refusal by the Proxy reaches a gRPC client the way a gRPC server would answer: HTTP 200, trailers-only,
/// grpc-status and a percent-encoded grpc-message. Strict clients (grpc-js) read nothing else; an HTTP 401
/// reaches them as "Received HTTP status code 401" with the reason lost.
/// </summary>
[Collection(DefaultEnvironmentCollection.Name)]
public sealed class GrpcRefusalTests(DefaultEnvironmentFixture fixture)
{
    private const string NoToken = "This call needs an access token (Authorization: Bearer <token>).";

    private ProxyEnvironment Env => fixture.Environment;

    public static TheoryData<string, string> GrpcContentTypes() => new()
    {
        { "application/grpc", "application/grpc" },
        { "application/grpc+proto", "application/grpc" },
        { "application/grpc-web+proto", "application/grpc-web" },
        { "application/grpc-web-text", "application/grpc-web-text" },
    };

    [Theory]
    [MemberData(nameof(GrpcContentTypes))]
    public async Task A_call_without_a_token_is_answered_trailers_only_with_UNAUTHENTICATED_and_the_reason(string requestType, string responseType)
    {
        // gRPC needs HTTP/2; gRPC-Web is what a browser sends, over HTTP/1.1 here.
        var version = requestType.StartsWith("application/grpc-web", StringComparison.Ordinal) ? HttpVersion.Version11 : HttpVersion.Version20;
        using var http = Env.Proxy.CreateHttpClient(version);
        using var response = await RawGrpc.CreateRoomAsync(http, token: null, contentType: requestType, version: version);

        AssertTrailersOnly(response, responseType);
        Assert.Equal("16", Header(response, "grpc-status"));
        Assert.Equal(NoToken, Header(response, "grpc-message"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Empty(response.TrailingHeaders);
    }

    [Fact]
    public async Task A_bad_token_is_UNAUTHENTICATED_with_the_reason()
    {
        using var http = Env.Proxy.CreateHttpClient();
        using var response = await RawGrpc.ListRoomsAsync(http, "not.a.jwt");
        AssertTrailersOnly(response, "application/grpc");
        Assert.Equal("16", Header(response, "grpc-status"));
        Assert.Equal("The access token is not valid.", Header(response, "grpc-message"));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Env.PublicRooms.ListRoomsAsync(new ListRoomsRequest(), ProxyEnvironment.Bearer("not.a.jwt")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("The access token is not valid.", error.Status.Detail);
    }

    [Fact]
    public async Task A_banned_user_s_call_is_PERMISSION_DENIED_with_the_reason()
    {
        var (user, tokens, _) = await Env.RegisterAndLoginAsync();
        await Env.InternalUsers.BanUserAsync(new BanUserRequest { UserId = user.UserId, Reason = "grpc refusal test", DurationSeconds = 600 });

        using var http = Env.Proxy.CreateHttpClient();
        var clock = Stopwatch.StartNew();
        string? status;
        HttpResponseMessage response;
        do
        {
            // Bans reach the Proxy over Redis within a second; bounded so a broken propagation fails instead of hanging.
            response = await RawGrpc.ListRoomsAsync(http, tokens.AccessToken);
            status = RawGrpc.StatusOf(response);
            if (status != "0")
            {
                break;
            }

            response.Dispose();
            await Task.Delay(20);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(10));

        using (response)
        {
            AssertTrailersOnly(response, "application/grpc");
            Assert.Equal("7", status);
            Assert.Equal("This account is banned.", Header(response, "grpc-message"));
        }

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Env.PublicRooms.ListRoomsAsync(new ListRoomsRequest(), ProxyEnvironment.Bearer(tokens.AccessToken)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("This account is banned.", error.Status.Detail);
    }

    [Fact]
    public async Task A_request_that_is_not_gRPC_still_gets_the_HTTP_status_and_a_JSON_reason()
    {
        using var http = Env.Proxy.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/live.v1.RoomService/CreateRoom") { Content = new StringContent("{}") };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("grpc-status"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(NoToken, body.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public void Grpc_message_is_percent_encoded_as_gRPC_specifies()
    {
        // Printable ASCII stays readable; '%' and every byte of a non-ASCII character are escaped.
        Assert.Equal("retry in 2 s %E2%80%94 100%25 sure", Forwarding.ProblemResponses.EncodeGrpcMessage("retry in 2 s — 100% sure"));
    }

    private static void AssertTrailersOnly(HttpResponseMessage response, string contentType)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
    }

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();
}
