using System.Net;
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
        ["Limits:PerUser:PermitLimit"] = PerUserLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Limits:PerUser:WindowSeconds"] = "30",
        ["Limits:PerIp:PermitLimit"] = PerIpLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Limits:PerIp:WindowSeconds"] = PerIpWindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
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
            using var ok = await RawGrpc.ListRoomsAsync(http, tokens.AccessToken);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await RawGrpc.ListRoomsAsync(http, tokens.AccessToken);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 30);
        Assert.Contains("Rate limit exceeded", await limited.Content.ReadAsStringAsync());

        // The limit is the user's: another user from the same address is not affected.
        var (_, other, _) = await Env.RegisterAndLoginAsync();
        using var otherUser = await RawGrpc.ListRoomsAsync(http, other.AccessToken);
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);

        var grpc = await Assert.ThrowsAsync<RpcException>(() =>
            Env.PublicRooms.ListRoomsAsync(new ListRoomsRequest(), ProxyEnvironment.Bearer(tokens.AccessToken)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
        Assert.Contains("Rate limit exceeded", grpc.Status.Detail);
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
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, LimitsFixture.PerIpWindowSeconds);
        limited.Dispose();
    }

    [Fact]
    public async Task Bodies_over_the_limit_get_413()
    {
        await WaitForFreshIpWindowAsync();
        var (_, tokens, _) = await Env.RegisterAndLoginAsync();
        using var http = Env.Proxy.CreateHttpClient();
        using var response = await RawGrpc.ListRoomsAsync(http, tokens.AccessToken, new byte[128 * 1024]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    /// <summary>Tests in this class share one address; each starts with the per-IP window refilled.</summary>
    private static Task WaitForFreshIpWindowAsync() => Task.Delay(TimeSpan.FromSeconds(LimitsFixture.PerIpWindowSeconds + 0.2));
}
