using System.Diagnostics;
using System.Net;
using Live.V1;

namespace Live.Proxy.Tests;

public sealed class BanFixture : ProxyEnvironmentFixture;

public sealed class BanEnforcementTests(BanFixture fixture) : IClassFixture<BanFixture>
{
    private static readonly TimeSpan PropagationBound = TimeSpan.FromSeconds(1);

    private ProxyEnvironment Env => fixture.Environment;

    [Fact]
    public async Task A_banned_IP_gets_403_within_a_second_of_the_ban()
    {
        using var http = Env.Proxy.CreateHttpClient(HttpVersion.Version11);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/.well-known/jwks.json")).StatusCode);

        await Env.InternalUsers.BanIpAsync(new BanIpRequest { Ip = "127.0.0.1", Reason = "test ban", DurationSeconds = 60 });
        try
        {
            var clock = Stopwatch.StartNew();
            var refusedAfter = await WaitForStatusAsync(http, HttpStatusCode.Forbidden, clock);
            Assert.True(refusedAfter < PropagationBound, $"the proxy still served the banned address {refusedAfter.TotalMilliseconds} ms after the ban");
            using var refused = await http.GetAsync("/.well-known/jwks.json");
            Assert.Contains("banned", await refused.Content.ReadAsStringAsync());
        }
        finally
        {
            await Env.InternalUsers.UnbanIpAsync(new UnbanIpRequest { Ip = "127.0.0.1" });
        }

        await WaitForStatusAsync(http, HttpStatusCode.OK, Stopwatch.StartNew());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/.well-known/jwks.json")).StatusCode);
    }

    [Fact]
    public async Task A_banned_user_s_still_valid_token_is_refused_within_a_second()
    {
        var (user, tokens, _) = await Env.RegisterAndLoginAsync();
        var (_, bystander, _) = await Env.RegisterAndLoginAsync();
        using var http = Env.Proxy.CreateHttpClient();
        Assert.Equal("0", RawGrpc.StatusOf(await RawGrpc.ListRoomsAsync(http, tokens.AccessToken)));

        await Env.InternalUsers.BanUserAsync(new BanUserRequest { UserId = user.UserId, Reason = "abuse", DurationSeconds = 600 });
        var clock = Stopwatch.StartNew();
        string? status;
        do
        {
            using var response = await RawGrpc.ListRoomsAsync(http, tokens.AccessToken);
            status = RawGrpc.StatusOf(response);
            if (status != "0")
            {
                break;
            }

            await Task.Delay(20);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal("7", status);
        Assert.True(clock.Elapsed < PropagationBound, $"the banned user was still served after {clock.Elapsed.TotalMilliseconds} ms");
        Assert.Equal("0", RawGrpc.StatusOf(await RawGrpc.ListRoomsAsync(http, bystander.AccessToken)));

        // Anything that is not gRPC still gets the HTTP status.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks.json");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        using var refused = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("This account is banned.", await refused.Content.ReadAsStringAsync());
    }

    private static async Task<TimeSpan> WaitForStatusAsync(HttpClient http, HttpStatusCode expected, Stopwatch clock)
    {
        // Bounded so a broken propagation fails the test instead of hanging it.
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            using var response = await http.GetAsync("/.well-known/jwks.json");
            if (response.StatusCode == expected)
            {
                return clock.Elapsed;
            }

            await Task.Delay(20);
        }

        return clock.Elapsed;
    }
}
