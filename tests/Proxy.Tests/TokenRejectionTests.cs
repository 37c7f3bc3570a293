using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Live.UserService.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Live.Proxy.Tests;

[Collection(DefaultEnvironmentCollection.Name)]
public sealed class TokenRejectionTests(DefaultEnvironmentFixture fixture)
{
    private const string Issuer = "live-user-service";
    private const string Audience = "live-platform";

    private ProxyEnvironment Env => fixture.Environment;

    public static TheoryData<string> Forgeries() =>
        ["no token", "alg none", "HS256 signed with the public key", "wrong iss", "wrong aud", "expired 31 s ago", "unknown kid", "tampered payload", "garbage", "JWE with a one-character part"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Forged_or_unfit_tokens_get_UNAUTHENTICATED_with_a_reason(string forgery)
    {
        var token = forgery switch
        {
            "no token" => null,
            "alg none" => Unsigned(ValidClaims()),
            "HS256 signed with the public key" => HmacWithPublicKey(ValidClaims()),
            "wrong iss" => Sign(ValidClaims(), issuer: "https://evil.example"),
            "wrong aud" => Sign(ValidClaims(), audience: "some-other-api"),
            "expired 31 s ago" => Sign(ValidClaims(), expiresIn: TimeSpan.FromSeconds(-31)),
            "unknown kid" => Sign(ValidClaims(), key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "0123456789abcdef" }),
            "tampered payload" => Tamper(Sign(ValidClaims())),
            // Found by tests/Fuzz/AccessTokens: reading its kid threw FormatException, which became a 500.
            "JWE with a one-character part" => "eyJhbGciOiJSU0EtT0FFUCJ9.e.e.e.e",
            _ => "not.a.jwt",
        };

        using var http = Env.Proxy.CreateHttpClient();
        using var response = await RawGrpc.CreateRoomAsync(http, token);

        // A gRPC call is refused as a gRPC server would: HTTP 200, trailers-only (GrpcRefusalTests has the details).
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("16", RawGrpc.StatusOf(response));
        Assert.StartsWith(forgery == "no token" ? "This call needs an access token" : "The access token", response.Headers.GetValues("grpc-message").Single());
    }

    [Fact]
    public async Task The_same_claims_properly_signed_pass_and_the_clock_skew_is_at_most_30_seconds()
    {
        using var http = Env.Proxy.CreateHttpClient();
        using var valid = await RawGrpc.ListRoomsAsync(http, Sign(ValidClaims()));
        Assert.Equal("0", RawGrpc.StatusOf(valid));

        // Expired 10 s ago is inside the configured 30 s skew; 31 s (above) is not.
        using var withinSkew = await RawGrpc.ListRoomsAsync(http, Sign(ValidClaims(), expiresIn: TimeSpan.FromSeconds(-10)));
        Assert.Equal("0", RawGrpc.StatusOf(withinSkew));
    }

    [Fact]
    public async Task A_real_login_token_works_and_a_client_cannot_reach_a_protected_method_without_one()
    {
        var (_, tokens, _) = await Env.RegisterAndLoginAsync();
        using var http = Env.Proxy.CreateHttpClient();
        using var ok = await RawGrpc.ListRoomsAsync(http, tokens.AccessToken);
        Assert.Equal("0", RawGrpc.StatusOf(ok));

        var anonymous = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            Env.PublicUsers.GetProfileAsync(new Live.V1.GetProfileRequest()).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    private Dictionary<string, object> ValidClaims() => new()
    {
        ["sub"] = "4242",
        ["name"] = "Forger",
        ["level"] = 1,
        ["roles"] = new[] { "viewer" },
        ["jti"] = Guid.NewGuid().ToString("N"),
    };

    private SecurityKey Signer => Env.Users.Services.GetRequiredService<SigningKeyRing>().Current.Signer;

    private string Sign(Dictionary<string, object> claims, string issuer = Issuer, string audience = Audience, TimeSpan? expiresIn = null, SecurityKey? key = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(5));
        var issuedAt = expires - TimeSpan.FromMinutes(5);
        return Env.Users.Services.GetRequiredService<AccessTokenIssuer>().Create(claims, issuer, audience, issuedAt, expires, key ?? Signer);
    }

    private string Unsigned(Dictionary<string, object> claims)
    {
        var header = new { alg = "none", typ = "JWT" };
        return Encode(header) + "." + Encode(Payload(claims)) + ".";
    }

    /// <summary>The classic algorithm-confusion forgery: HMAC keyed with the RSA public key the JWKS publishes.</summary>
    private string HmacWithPublicKey(Dictionary<string, object> claims)
    {
        var rsa = ((RsaSecurityKey)Signer).Rsa;
        var header = new { alg = "HS256", typ = "JWT", kid = Signer.KeyId };
        var signingInput = Encode(header) + "." + Encode(Payload(claims));
        var publicKey = Encoding.ASCII.GetBytes(rsa.ExportSubjectPublicKeyInfoPem());
        var mac = HMACSHA256.HashData(publicKey, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64UrlEncoder.Encode(mac);
    }

    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(parts[1]))!;
        var changed = payload.ToDictionary(p => p.Key, p => (object)p.Value);
        changed["roles"] = new[] { "viewer", "admin" };
        return parts[0] + "." + Encode(changed) + "." + parts[2];
    }

    private static Dictionary<string, object> Payload(Dictionary<string, object> claims)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object>(claims) { ["iss"] = Issuer, ["aud"] = Audience, ["iat"] = now, ["nbf"] = now, ["exp"] = now + 300 };
    }

    private static string Encode(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
}
