using Grpc.Core;
using Live.Bans;
using Live.Proxy.Auth;
using Live.Proxy.Forwarding;
using Live.Proxy.Limits;
using Live.Proxy.Telemetry;
using Live.ServiceDefaults.Identity;
using Microsoft.Extensions.Options;

namespace Live.Proxy.Security;

/// <summary>
/// The first thing every request meets: headers only the Proxy may set are dropped, banned IPs are refused,
/// operational endpoints are hidden from the public (TLS) port, and WebSocket requests from a page whose
/// Origin is not allowed are refused (cross-site WebSocket hijacking).
/// </summary>
public sealed class IngressGuardMiddleware(
    RequestDelegate next,
    BanList bans,
    IOptionsMonitor<ProxyLimitsOptions> limits,
    ProxyMetrics metrics,
    ILogger<IngressGuardMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        StripReservedHeaders(context.Request.Headers);

        if (context.Request.IsHttps && IsOperationalPath(context.Request.Path))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // A declared length over the limit is refused before any byte is forwarded; streamed bodies are cut
        // off by Kestrel's MaxRequestBodySize at the same size.
        if (context.Request.ContentLength > limits.CurrentValue.MaxRequestBodyBytes)
        {
            metrics.Refused("body_too_large");
            await ProblemResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, StatusCode.ResourceExhausted, "Payload too large",
                $"The request body is {context.Request.ContentLength} bytes; the limit is {limits.CurrentValue.MaxRequestBodyBytes}.");
            return;
        }

        if (context.Connection.RemoteIpAddress is { } ip && await bans.IsIpBannedAsync(ip))
        {
            await RefuseAsync(context, "ip_banned", "Forbidden", "Requests from this address are banned.");
            return;
        }

        if (AccessTokenReader.IsWebSocketRoute(context.Request) && !OriginAllowed(context.Request))
        {
            await RefuseAsync(context, "origin", "Forbidden", "This page's origin may not open the WebSocket.");
            return;
        }

        await next(context);
    }

    private static void StripReservedHeaders(IHeaderDictionary headers)
    {
        List<string>? reserved = null;
        foreach (var name in headers.Keys)
        {
            if (IdentityHeaders.IsReserved(name))
            {
                (reserved ??= []).Add(name);
            }
        }

        if (reserved is not null)
        {
            foreach (var name in reserved)
            {
                headers.Remove(name);
            }
        }
    }

    private static bool IsOperationalPath(PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/grpc.reflection");

    private bool OriginAllowed(HttpRequest request)
    {
        var options = limits.CurrentValue;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return options.AllowMissingOrigin;
        }

        foreach (var allowed in options.WebSocketOrigins)
        {
            if (string.Equals(origin, allowed.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private Task RefuseAsync(HttpContext context, string reason, string title, string detail)
    {
        metrics.Refused(reason);
        Log.Refused(logger, context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", reason);
        return ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, StatusCode.PermissionDenied, title, detail);
    }
}

/// <summary>After authentication: a signed-in user who has since been banned is refused, whatever token they hold.</summary>
public sealed class UserBanGuardMiddleware(RequestDelegate next, BanList bans, ProxyMetrics metrics, ILogger<UserBanGuardMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var sub = context.User.FindFirst("sub")?.Value;
        if (sub is not null && long.TryParse(sub, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var userId)
            && await bans.IsUserBannedAsync(userId))
        {
            metrics.Refused("user_banned");
            Log.Refused(logger, context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", "user_banned");
            await ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, StatusCode.PermissionDenied, "Forbidden", "This account is banned.");
            return;
        }

        await next(context);
    }
}
