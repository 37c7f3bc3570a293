using Microsoft.Extensions.Primitives;

namespace Live.Proxy.Auth;

/// <summary>
/// Where a client may put its access token: the Authorization header always; for the WebSocket route also
/// the <c>access_token</c> query parameter or a <c>Sec-WebSocket-Protocol</c> entry <c>access_token.&lt;jwt&gt;</c>,
/// because browsers cannot set headers on a WebSocket. Both WebSocket forms are removed before forwarding.
/// </summary>
public static class AccessTokenReader
{
    public const string QueryParameter = "access_token";
    public const string SubprotocolPrefix = "access_token.";
    public const string WebSocketPath = "/ws";

    public static string? Read(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        if (!IsWebSocketRoute(request))
        {
            return null;
        }

        if (request.Query.TryGetValue(QueryParameter, out var fromQuery) && !StringValues.IsNullOrEmpty(fromQuery))
        {
            return fromQuery.ToString();
        }

        foreach (var protocol in Subprotocols(request.Headers.SecWebSocketProtocol))
        {
            if (protocol.StartsWith(SubprotocolPrefix, StringComparison.Ordinal))
            {
                return protocol[SubprotocolPrefix.Length..];
            }
        }

        return null;
    }

    public static bool IsWebSocketRoute(HttpRequest request) => request.Path.Equals(WebSocketPath, StringComparison.OrdinalIgnoreCase);

    /// <summary>The offered subprotocols without the token entry, joined for the forwarded header.</summary>
    public static string? WithoutToken(StringValues header)
    {
        var kept = new List<string>();
        foreach (var protocol in Subprotocols(header))
        {
            if (!protocol.StartsWith(SubprotocolPrefix, StringComparison.Ordinal))
            {
                kept.Add(protocol);
            }
        }

        return kept.Count == 0 ? null : string.Join(", ", kept);
    }

    private static IEnumerable<string> Subprotocols(StringValues header)
    {
        foreach (var value in header)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                yield return part;
            }
        }
    }
}
