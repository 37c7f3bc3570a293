using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Live.Fuzz.AccessTokens;

/// <summary>
/// The seed corpus: tokens made as UserService's AccessTokenIssuer makes them (RS256, kid, the same claims),
/// signed with a key made here whose public half is written to jwks.json beside the corpus (the target serves it as
/// UserService's JWKS); and near-valid ones: expired, wrong audience, unknown kid, HS256, alg none, cut short.
/// </summary>
public static class TokenSeeds
{
    public static IEnumerable<(string Name, byte[] Bytes)> All()
    {
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: true)) { KeyId = "fuzz-key-1" };
        var publicJwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = key.KeyId });
        publicJwk.Use = "sig";
        publicJwk.Alg = SecurityAlgorithms.RsaSha256;
        yield return ("../jwks.json", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = publicJwk.Kty, use = publicJwk.Use, alg = publicJwk.Alg, kid = publicJwk.Kid, n = publicJwk.N, e = publicJwk.E } },
        })));

        var now = DateTime.UtcNow;
        var valid = Create(key, ProxyAuthentication.Audience, now, now.AddYears(50));
        yield return ("header-valid", Placed(0, valid));
        yield return ("query-valid", Placed(1, valid));
        yield return ("subprotocol-valid", Placed(2, valid));
        yield return ("header-expired", Placed(0, Create(key, ProxyAuthentication.Audience, now.AddYears(-2), now.AddYears(-1))));
        yield return ("header-wrong-audience", Placed(0, Create(key, "someone-else", now, now.AddYears(50))));
        using var other = RSA.Create(2048);
        yield return ("header-unknown-kid", Placed(0, Create(new RsaSecurityKey(other) { KeyId = "fuzz-key-2" }, ProxyAuthentication.Audience, now, now.AddYears(50))));
        var hmac = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = "fuzz-key-1" };
        yield return ("header-hs256", Placed(0, new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ProxyAuthentication.Issuer, Audience = ProxyAuthentication.Audience, Expires = now.AddYears(50),
            SigningCredentials = new SigningCredentials(hmac, SecurityAlgorithms.HmacSha256),
        })));
        var parts = valid.Split('.');
        var none = Base64UrlEncoder.Encode("{\"alg\":\"none\",\"kid\":\"fuzz-key-1\",\"typ\":\"JWT\"}");
        yield return ("header-alg-none", Placed(0, $"{none}.{parts[1]}."));
        yield return ("header-cut", Placed(0, valid[..^10]));
        yield return ("header-two-parts", Placed(0, $"{parts[0]}.{parts[1]}"));
    }

    private static string Create(SecurityKey key, string audience, DateTime issuedAt, DateTime expires) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ProxyAuthentication.Issuer,
            Audience = audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = "1001",
                [JwtRegisteredClaimNames.Name] = "Alice",
                [JwtRegisteredClaimNames.PreferredUsername] = "alice",
                ["level"] = 3,
                ["roles"] = new[] { "viewer" },
                [JwtRegisteredClaimNames.Jti] = "0af7651916cd43dd8448eb211c80319c",
            },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });

    private static byte[] Placed(byte where, string token) => [where, .. Encoding.ASCII.GetBytes(token)];
}
