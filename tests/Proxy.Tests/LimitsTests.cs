using System.Globalization;
using System.Net;
using Google.Rpc;
using Grpc.Core;
using Live.V1;

namespace Live.Proxy.Tests;

public sealed class LimitsFixture : ProxyEnvironmentFixture
{
    public const int PerUserLimit = 5;
    public const int PerIpLimit = 40;
    public const int PerIpWindowSeconds = 2;

    protected override IDictionary<string, string?> ProxySettings => new Dictionary<string, string?>
    {
        ["Limits:PerUser:PermitLimit"] = PerUserLimit.ToString(CultureInfo.InvariantCulture),
        ["Limits:PerUser:WindowSeconds"] = "30",
        ["Limits:PerIp:PermitLimit"] = PerIpLimit.ToString(CultureInfo.InvariantCulture),
        ["Limits:PerIp:WindowSeconds"] = PerIpWindowSeconds.ToString(CultureInfo.InvariantCulture),
        ["Limits:MaxRequestBodyBytes"] = "65536",
    };
}

public sealed class LimitsTests(LimitsFixture fixture) : IClassFixture<LimitsFixture>
{
    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task A_user_over_their_limit_gets_429_with_Retry_After_and_a_reason()
    {
        await WaitForFreshIpWindowAsync();
        var (_, tokens, _) = await Env.RegisterAndLoginAsync();
        using var http = Env.Proxy.CreateHttpClient();
        for (var i = 0; i < LimitsFixture.PerUserLimit; i++)
        {
            using var ok = await SignedInGetAsync(http, tokens.AccessToken);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await SignedInGetAsync(http, tokens.AccessToken);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 30);
        Assert.Contains("Rate limit exceeded", await limited.Content.ReadAsStringAsync());

        // The limit is the user's: another user from the same address is not affected.
        var (_, other, _) = await Env.RegisterAndLoginAsync();
        using var otherUser = await SignedInGetAsync(http, other.AccessToken);
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);

        // A gRPC call over the limit is answered as gRPC: HTTP 200, trailers-only, RESOURCE_EXHAUSTED.
        using var grpc = await RawGrpc.ListRoomsAsync(http, tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, grpc.StatusCode);
        Assert.Equal("8", RawGrpc.StatusOf(grpc));
        Assert.InRange(int.Parse(grpc.Headers.GetValues("retry-after").Single(), CultureInfo.InvariantCulture), 1, 30);
    }

    [Fact]
    public async Task A_rate_limited_gRPC_call_is_RESOURCE_EXHAUSTED_with_the_retry_delay_in_its_trailers()
    {
        await WaitForFreshIpWindowAsync();
        var (_, tokens, _) = await Env.RegisterAndLoginAsync();
        var bearer = ProxyEnvironment.Bearer(tokens.AccessToken);
        for (var i = 0; i < LimitsFixture.PerUserLimit; i++)
        {
            await Env.PublicRooms.ListRoomsAsync(new ListRoomsRequest(), bearer);
        }

        var limited = await Assert.ThrowsAsync<RpcException>(() => Env.PublicRooms.ListRoomsAsync(new ListRoomsRequest(), bearer).ResponseAsync);

        // RESOURCE_EXHAUSTED, not the UNAVAILABLE an HTTP 429 maps to, which retry policies retry at once.
        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        var seconds = int.Parse(limited.Trailers.GetValue("retry-after")!, CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 1, 30);
        Assert.Equal($"Rate limit exceeded; retry after {seconds} s.", limited.Status.Detail);

        var status = limited.GetRpcStatus();
        Assert.NotNull(status);
        Assert.Equal((int)Google.Rpc.Code.ResourceExhausted, status.Code);
        Assert.Equal(limited.Status.Detail, status.Message);
        var retryInfo = status.GetDetail<RetryInfo>();
        Assert.NotNull(retryInfo);
        Assert.Equal(TimeSpan.FromSeconds(seconds), retryInfo.RetryDelay.ToTimeSpan());
    }

    [Fact]
    public async Task An_address_over_its_limit_gets_429_even_without_signing_in()
    {
        await WaitForFreshIpWindowAsync();
        using var http = Env.Proxy.CreateHttpClient(HttpVersion.Version11);
        HttpResponseMessage? limited = null;
        for (var i = 0; i <= LimitsFixture.PerIpLimit && limited is null; i++)
        {
            var response = await http.GetAsync("/.well-known/jwks.json");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 1, LimitsFixture.PerIpWindowSeconds);
        limited.Dispose();
    }

    [Fact]
    public async Task Bodies_over_the_limit_get_413()
    {
        await WaitForFreshIpWindowAsync();
        var (_, tokens, _) = await Env.RegisterAndLoginAsync();
        using var http = Env.Proxy.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/live.v1.RoomService/ListRooms") { Content = new ByteArrayContent(new byte[128 * 1024]) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        // The refusal comes before any byte of the body is read; a client that sends the body anyway may see the
        // connection close under it (EPIPE) before it reads the 413, so wait for 100-continue as careful clients do.
        request.Headers.ExpectContinue = true;
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);

        using var grpc = await RawGrpc.ListRoomsAsync(http, tokens.AccessToken, new byte[128 * 1024]);
        Assert.Equal(HttpStatusCode.OK, grpc.StatusCode);
        Assert.Equal("8", RawGrpc.StatusOf(grpc));
    }

    private static async Task<HttpResponseMessage> SignedInGetAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks.json");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    /// <summary>Tests in this class share one address; each starts with the per-IP window refilled.</summary>
    private static Task WaitForFreshIpWindowAsync() => Task.Delay(TimeSpan.FromSeconds(LimitsFixture.PerIpWindowSeconds + 0.2));
}
