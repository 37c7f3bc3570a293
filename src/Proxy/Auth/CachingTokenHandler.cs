using System.Security.Claims;
using Live.ServiceDefaults.Caching;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Live.Proxy.Auth;

/// <summary>
/// JWT validation that remembers the tokens it accepted, so a signed-in client's every call does not pay for an
/// RS256 signature check and a full parse (about half the Proxy's CPU per signed-in call). A remembered token is
/// accepted again only while it has not expired and the key that signed it is still the one the JWKS holds: every
/// fetch of the key set (each JwksRefreshSeconds) replaces the key objects, so a retired key's tokens are checked
/// afresh, and refused, exactly when they would be without this cache. Refusals are never remembered.
/// </summary>
public sealed class CachingTokenHandler : JsonWebTokenHandler
{
    private readonly JwksKeySource keys;
    private readonly TimeProvider time;
    private readonly ExpiringCache<string, Accepted>? accepted;

    public CachingTokenHandler(JwksKeySource keys, ProxyAuthOptions options, TimeProvider time)
    {
        this.keys = keys;
        this.time = time;
        MapInboundClaims = false;
        accepted = options.ValidatedTokenCacheSeconds > 0
            ? new ExpiringCache<string, Accepted>(TimeSpan.FromSeconds(options.ValidatedTokenCacheSeconds), options.ValidatedTokenCacheMaxEntries, time)
            : null;
    }

    /// <summary>Tokens remembered now.</summary>
    public int Remembered => accepted?.Count ?? 0;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (accepted is null)
        {
            return await base.ValidateTokenAsync(token, validationParameters);
        }

        if (accepted.TryGet(token, out var known)
            && time.GetUtcNow().UtcDateTime < known.Token.ValidTo
            && keys.TryGet(known.Token.Kid, out var current) && ReferenceEquals(current, known.SigningKey))
        {
            // The principal built from it may be changed by later handlers: each call gets its own copy.
            return new TokenValidationResult { IsValid = true, ClaimsIdentity = known.Identity.Clone(), SecurityToken = known.Token, Issuer = known.Token.Issuer };
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.SigningKey is { } key)
        {
            accepted.Set(token, new Accepted(jwt, key, result.ClaimsIdentity.Clone()));
        }

        return result;
    }

    private sealed record Accepted(JsonWebToken Token, SecurityKey SigningKey, ClaimsIdentity Identity);
}
