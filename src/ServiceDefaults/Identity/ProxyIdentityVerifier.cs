using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Live.ServiceDefaults.Identity;

/// <summary>
/// Reads the caller from a request's identity headers and checks the Proxy's proof. Calls with no identity
/// header at all are internal; calls whose identity the proof does not cover are refused, so a client that
/// reaches a backend directly cannot claim to be someone.
/// </summary>
public sealed class ProxyIdentityVerifier(IOptions<ProxyIdentityOptions> options, TimeProvider time)
{
    private readonly byte[]? secret = options.Value.ProxySecret is { Length: > 0 } s ? Encoding.UTF8.GetBytes(s) : null;
    private readonly int maxAgeSeconds = options.Value.MaxProofAgeSeconds;

    /// <summary>The caller, or null with <paramref name="failure"/> saying why the identity was refused.</summary>
    public CallerIdentity? Read(IHeaderDictionary headers, string path, out string failure)
    {
        var proof = Single(headers, IdentityHeaders.Proof);
        var userId = Single(headers, IdentityHeaders.UserId);
        var userName = Single(headers, IdentityHeaders.UserName);
        var roles = Single(headers, IdentityHeaders.UserRoles);
        var level = Single(headers, IdentityHeaders.UserLevel);

        if (proof is null)
        {
            if (userId is null && userName is null && roles is null && level is null)
            {
                failure = string.Empty;
                return CallerIdentity.Internal;
            }

            failure = "identity headers were sent without the proxy's proof";
            return null;
        }

        if (secret is null)
        {
            failure = "this service has no Identity:ProxySecret, so it cannot accept identity from the proxy";
            return null;
        }

        if (!ProxyIdentityProof.Verify(secret, proof, time.GetUtcNow().ToUnixTimeSeconds(), maxAgeSeconds, path, userId ?? string.Empty, userName ?? string.Empty, roles ?? string.Empty, level ?? string.Empty, out failure))
        {
            return null;
        }

        if (string.IsNullOrEmpty(userId))
        {
            return CallerIdentity.Anonymous;
        }

        if (!long.TryParse(userId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0
            || !int.TryParse(level, NumberStyles.None, CultureInfo.InvariantCulture, out var parsedLevel))
        {
            failure = "the identity headers are malformed";
            return null;
        }

        var roleList = string.IsNullOrEmpty(roles) ? [] : roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new CallerIdentity(CallerKind.User, id, Uri.UnescapeDataString(userName ?? string.Empty), roleList, parsedLevel);
    }

    /// <summary>A header sent more than once is treated as forged: the Proxy sends each exactly once.</summary>
    private static string? Single(IHeaderDictionary headers, string name)
    {
        if (!headers.TryGetValue(name, out var values) || values.Count == 0)
        {
            return null;
        }

        return values.Count == 1 ? values[0] ?? string.Empty : "\n";
    }
}
