using Grpc.Core;
using Live.V1;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Live.UserService.Tests;

public sealed class TokenTests(UserServiceFixture fixture) : IClassFixture<UserServiceFixture>
{
    private readonly UserServiceClient client = fixture.ClientA;

    [Fact]
    public async Task Access_tokens_are_RS256_with_a_kid_and_verify_against_the_published_JWKS()
    {
        var (user, tokens, _) = await fixture.RegisterAndLoginAsync(asAnchor: true);
        var keys = await FetchJwksAsync(fixture.A);

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.AccessToken, new TokenValidationParameters
        {
            ValidIssuer = "live-user-service",
            ValidAudience = "live-platform",
            IssuerSigningKeys = keys.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        });
        Assert.True(result.IsValid, result.Exception?.Message);

        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal("RS256", jwt.Alg);
        Assert.Contains(keys.Keys, k => k.Kid == jwt.Kid);
        Assert.Equal(user.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), jwt.Subject);
        Assert.Equal(user.DisplayName, jwt.GetClaim("name").Value);
        Assert.Equal("1", jwt.GetClaim("level").Value);
        Assert.Equal(["viewer", "anchor"], jwt.Claims.Where(c => c.Type == "roles").Select(c => c.Value));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.Equal(TimeSpan.FromMinutes(5), jwt.ValidTo - jwt.IssuedAt);

        // The JWKS carries public halves only.
        Assert.All(keys.Keys, k => Assert.Null(k.D));
    }

    [Fact]
    public async Task A_refresh_token_works_once_and_its_reuse_revokes_the_whole_family()
    {
        var (_, first, _) = await fixture.RegisterAndLoginAsync();
        var second = await client.RefreshAsync(new RefreshRequest { RefreshToken = first.RefreshToken });
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.NotEqual(first.AccessToken, second.AccessToken);

        // Presenting the used token again looks like theft: it fails, and so does its (unused) successor.
        var reuse = await Assert.ThrowsAsync<RpcException>(() => client.RefreshAsync(new RefreshRequest { RefreshToken = first.RefreshToken }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, reuse.StatusCode);
        Assert.Contains("already used", reuse.Status.Detail);
        var successor = await Assert.ThrowsAsync<RpcException>(() => fixture.ClientB.RefreshAsync(new RefreshRequest { RefreshToken = second.RefreshToken }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, successor.StatusCode);
        Assert.Contains("revoked", successor.Status.Detail);
    }

    [Fact]
    public async Task Of_concurrent_refreshes_with_one_token_at_most_one_succeeds()
    {
        var (_, tokens, _) = await fixture.RegisterAndLoginAsync();
        var clients = new[] { fixture.ClientA, fixture.ClientB };
        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await clients[i % 2].RefreshAsync(new RefreshRequest { RefreshToken = tokens.RefreshToken });
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        });
        var results = await Task.WhenAll(attempts);
        Assert.True(results.Count(r => r == StatusCode.OK) <= 1);
        Assert.All(results.Where(r => r != StatusCode.OK), r => Assert.Equal(StatusCode.Unauthenticated, r));
    }

    [Fact]
    public async Task Logout_revokes_the_refresh_token()
    {
        var (_, tokens, _) = await fixture.RegisterAndLoginAsync();
        Assert.True((await client.LogoutAsync(new LogoutRequest { RefreshToken = tokens.RefreshToken })).Revoked);
        Assert.False((await client.LogoutAsync(new LogoutRequest { RefreshToken = tokens.RefreshToken })).Revoked);
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.RefreshAsync(new RefreshRequest { RefreshToken = tokens.RefreshToken }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.RefreshAsync(new RefreshRequest { RefreshToken = "made-up" }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
    }

    [Fact]
    public async Task Rotation_reaches_every_process_and_retirement_removes_the_old_key()
    {
        var before = (await FetchJwksAsync(fixture.B)).Keys.Select(k => k.Kid).ToHashSet();
        var rotated = await client.RotateSigningKeyAsync(new RotateSigningKeyRequest());
        Assert.True(rotated.Signing);

        // B learns of the new key from MySQL within its refresh interval (1 s here) and signs with it.
        var (_, tokens, password) = await fixture.RegisterAndLoginAsync();
        string kid = string.Empty;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var fromB = await fixture.ClientB.LoginAsync(new LoginRequest { Username = tokens.User.Username, Password = password });
            kid = new JsonWebToken(fromB.AccessToken).Kid;
            if (kid == rotated.Kid)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(rotated.Kid, kid);
        var during = (await FetchJwksAsync(fixture.B)).Keys.Select(k => k.Kid).ToHashSet();
        Assert.Superset(before, during);
        Assert.Contains(rotated.Kid, during);

        var signer = await Assert.ThrowsAsync<RpcException>(() => client.RetireSigningKeyAsync(new RetireSigningKeyRequest { Kid = rotated.Kid }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, signer.StatusCode);

        foreach (var old in before)
        {
            var retired = await client.RetireSigningKeyAsync(new RetireSigningKeyRequest { Kid = old });
            Assert.NotNull(retired.RetiredAt);
        }

        var after = (await FetchJwksAsync(fixture.A)).Keys.Select(k => k.Kid).ToList();
        Assert.Equal([rotated.Kid], after);
        var listed = await client.ListSigningKeysAsync(new ListSigningKeysRequest());
        Assert.Equal(rotated.Kid, listed.Keys.Single(k => k.Signing).Kid);
    }

    [Fact]
    public async Task Key_administration_is_for_admins()
    {
        var (user, _, _) = await fixture.RegisterAndLoginAsync();
        var denied = await Assert.ThrowsAsync<RpcException>(() => client.RotateSigningKeyAsync(
            new RotateSigningKeyRequest(), UserServiceFixture.SignedAs("RotateSigningKey", user.UserId, "viewer")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    private static async Task<JsonWebKeySet> FetchJwksAsync(Live.Testing.TestHost host)
    {
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        using var response = await http.GetAsync("/.well-known/jwks.json");
        response.EnsureSuccessStatusCode();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return new JsonWebKeySet(await response.Content.ReadAsStringAsync());
    }
}
