using Grpc.Core;
using Live.ServiceDefaults.Hosting;
using Live.V1;

namespace Live.Proxy.Tests;

public sealed class CanaryFixture : ProxyEnvironmentFixture
{
    protected override bool WithCanary => true;
}

public sealed class WeightedCanaryFixture : ProxyEnvironmentFixture
{
    public const int WeightPercent = 20;

    protected override bool WithCanary => true;

    protected override IDictionary<string, string?> ProxySettings => new Dictionary<string, string?>
    {
        ["ReverseProxy:Clusters:room:Metadata:CanaryWeightPercent"] = WeightPercent.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Limits:PerIp:PermitLimit"] = "100000",
        ["Limits:PerUser:PermitLimit"] = "100000",
    };
}

public sealed class CanaryTests(CanaryFixture fixture) : IClassFixture<CanaryFixture>
{
    [Fact]
    public async Task X_canary_true_always_reaches_v2_and_requests_without_it_never_do()
    {
        var env = fixture.Environment;
        var (_, tokens, _) = await env.RegisterAndLoginAsync();
        var room = await env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "canary", Category = "chat" }, ProxyEnvironment.Bearer(tokens.AccessToken));

        for (var i = 0; i < 50; i++)
        {
            var canary = ProxyEnvironment.Bearer(tokens.AccessToken);
            canary.Add("x-canary", "true");
            Assert.Equal("v2", await ServedVersionAsync(env, room.Id, canary));
            Assert.Equal("v1", await ServedVersionAsync(env, room.Id, ProxyEnvironment.Bearer(tokens.AccessToken)));
        }
    }

    /// <summary>The header comes from the RoomService process that answered (its Service:Version), not from the Proxy.</summary>
    internal static async Task<string> ServedVersionAsync(ProxyEnvironment env, long roomId, Metadata headers)
    {
        using var call = env.PublicRooms.GetRoomAsync(new GetRoomRequest { RoomId = roomId }, headers);
        await call.ResponseAsync;
        return (await call.ResponseHeadersAsync).GetValue(ServedVersionExtensions.Header) ?? "missing";
    }
}

public sealed class WeightedCanaryTests(WeightedCanaryFixture fixture) : IClassFixture<WeightedCanaryFixture>
{
    [Fact]
    public async Task Without_the_header_the_configured_share_goes_to_v2_within_five_points_over_1000_calls()
    {
        var env = fixture.Environment;
        var (_, tokens, _) = await env.RegisterAndLoginAsync();
        var room = await env.PublicRooms.CreateRoomAsync(new CreateRoomRequest { Title = "weights", Category = "chat" }, ProxyEnvironment.Bearer(tokens.AccessToken));

        var v2 = 0;
        for (var i = 0; i < 1000; i++)
        {
            if (await CanaryTests.ServedVersionAsync(env, room.Id, ProxyEnvironment.Bearer(tokens.AccessToken)) == "v2")
            {
                v2++;
            }
        }

        // 20% of 1000 has a standard deviation of about 12.6 calls; ±50 is about 4 of them.
        Assert.InRange(v2, 150, 250);

        for (var i = 0; i < 50; i++)
        {
            var stable = ProxyEnvironment.Bearer(tokens.AccessToken);
            stable.Add("x-canary", "false");
            Assert.Equal("v1", await CanaryTests.ServedVersionAsync(env, room.Id, stable));
        }
    }
}
