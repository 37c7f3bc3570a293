using System.Diagnostics;
using Live.V1;
using Live.Proxy.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Live.Proxy.Tests;

public sealed class RotationFixture : ProxyEnvironmentFixture;

public sealed class KeyRotationTests(RotationFixture fixture) : IClassFixture<RotationFixture>
{
    [Fact]
    public async Task Old_key_tokens_work_during_the_overlap_and_are_UNAUTHENTICATED_once_it_is_retired()
    {
        var env = fixture.Environment;
        var (user, before, password) = await env.RegisterAndLoginAsync();
        var oldKid = new JsonWebToken(before.AccessToken).Kid;
        using var http = env.Proxy.CreateHttpClient();
        Assert.Equal("0", RawGrpc.StatusOf(await RawGrpc.ListRoomsAsync(http, before.AccessToken)));
        // Accepted tokens are remembered (CachingTokenHandler); the retirement below must still refuse this one.
        var handler = Assert.IsType<CachingTokenHandler>(Assert.Single(env.Proxy.App.Services
            .GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme).TokenHandlers));
        Assert.True(handler.Remembered > 0);

        var rotated = await env.InternalUsers.RotateSigningKeyAsync(new RotateSigningKeyRequest());
        var after = await env.PublicUsers.LoginAsync(new LoginRequest { Username = user.Username, Password = password });
        Assert.Equal(rotated.Kid, new JsonWebToken(after.AccessToken).Kid);
        Assert.NotEqual(oldKid, rotated.Kid);

        // Overlap: the new key is fetched on first sight of its kid; the old one still verifies.
        Assert.Equal("0", RawGrpc.StatusOf(await RawGrpc.ListRoomsAsync(http, after.AccessToken)));
        Assert.Equal("0", RawGrpc.StatusOf(await RawGrpc.ListRoomsAsync(http, before.AccessToken)));

        await env.InternalUsers.RetireSigningKeyAsync(new RetireSigningKeyRequest { Kid = oldKid });
        var clock = Stopwatch.StartNew();
        string? status;
        do
        {
            using var response = await RawGrpc.ListRoomsAsync(http, before.AccessToken);
            status = RawGrpc.StatusOf(response);
            if (status == "16")
            {
                Assert.Contains("unknown or retired key", response.Headers.GetValues("grpc-message").Single());
                break;
            }

            await Task.Delay(100);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(15));

        Assert.Equal("16", status);
        Assert.Equal("0", RawGrpc.StatusOf(await RawGrpc.ListRoomsAsync(http, after.AccessToken)));
    }
}
