using System.Globalization;
using Live.UserService.Accounts;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Live.UserService.Tokens;

/// <summary>Issues RS256 access tokens with the current signing key.</summary>
public sealed class AccessTokenIssuer(SigningKeyRing keys, IOptions<TokenIssuingOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TokenIssuingOptions options = options.Value;

    public (string Token, DateTime ExpiresAt) Issue(UserRecord user)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var expires = now.AddMinutes(options.AccessTokenMinutes);
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = user.Id.ToString(CultureInfo.InvariantCulture),
            [JwtRegisteredClaimNames.Name] = user.DisplayName,
            [JwtRegisteredClaimNames.PreferredUsername] = user.Username,
            ["level"] = user.Level,
            ["roles"] = user.RoleNames(),
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        return (Create(claims, options.Issuer, options.Audience, now, expires, keys.Current.Signer), expires);
    }

    /// <summary>Any token signed with <paramref name="key"/>; tests use it to build tokens that must be refused.</summary>
    internal string Create(IDictionary<string, object> claims, string issuer, string audience, DateTime issuedAt, DateTime expires, SecurityKey key)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        };
        return handler.CreateToken(descriptor);
    }
}
