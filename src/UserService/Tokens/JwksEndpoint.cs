using System.Globalization;
using Microsoft.Extensions.Options;

namespace Live.UserService.Tokens;

public static class JwksEndpoint
{
    public const string Path = "/.well-known/jwks.json";

    /// <summary>
    /// The public keys that verify access tokens. Caches may keep it for the key refresh interval: that is
    /// how long a rotation takes to reach every UserService process anyway.
    /// </summary>
    public static IEndpointRouteBuilder MapJwks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, (HttpContext context, SigningKeyRing keys, IOptions<TokenIssuingOptions> options) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=" + options.Value.KeyRefreshSeconds.ToString(CultureInfo.InvariantCulture);
            return Results.Text(keys.Current.JwksJson, "application/json");
        });
        return endpoints;
    }
}
