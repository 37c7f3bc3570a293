using System.Threading.RateLimiting;
using Grpc.Core;
using Live.Proxy.Forwarding;
using Live.Proxy.Telemetry;
using Live.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Live.Proxy.Limits;

public static class RateLimitingExtensions
{
    /// <summary>The route policy (ReverseProxy:Routes:*:RateLimiterPolicy) of CommerceService's Purchase: Limits:PurchasePerUser.</summary>
    public const string PurchasePolicy = "purchase";

    /// <summary>
    /// Fixed-window limits per client IP and, for signed-in callers, per user (both must allow a request);
    /// refusals are 429 with Retry-After (gRPC: RESOURCE_EXHAUSTED with a retry-after trailer and a RetryInfo detail). Idle partitions are dropped by the limiter, so the number held is
    /// bounded by the clients active within a window. Also caps request bodies in Kestrel.
    /// </summary>
    public static IServiceCollection AddProxyLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ProxyLimitsOptions>(configuration, ProxyLimitsOptions.Section)
            .Validate(o => Array.TrueForAll(o.WebSocketOrigins, IsOrigin), "Limits:WebSocketOrigins must be origins like https://app.example.com (scheme, host and optional port only).");
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<ProxyLimitsOptions>>((kestrel, limits) => kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ProxyLimitsOptions>>((rate, limits) =>
        {
            var perIp = limits.Value.PerIp;
            var perUser = limits.Value.PerUser;
            rate.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context => IsExempt(context)
                    ? RateLimitPartition.GetNoLimiter(string.Empty)
                    : RateLimitPartition.GetFixedWindowLimiter("ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), _ => Window(perIp))),
                PartitionedRateLimiter.Create<HttpContext, string>(context => context.User.FindFirst("sub")?.Value is { } sub && !IsExempt(context)
                    ? RateLimitPartition.GetFixedWindowLimiter("user:" + sub, _ => Window(perUser))
                    : RateLimitPartition.GetNoLimiter(string.Empty)));
            var purchases = limits.Value.PurchasePerUser;
            rate.AddPolicy<string>(PurchasePolicy, context => context.User.FindFirst("sub")?.Value is { } sub
                ? RateLimitPartition.GetFixedWindowLimiter("purchase:" + sub, _ => Window(purchases))
                : RateLimitPartition.GetNoLimiter(string.Empty));
            rate.OnRejected = (context, ct) => RejectAsync(context, perIp, perUser);
        });
        return services;
    }

    private static FixedWindowRateLimiterOptions Window(ProxyLimitsOptions.WindowLimit limit) => new()
    {
        PermitLimit = limit.PermitLimit,
        Window = TimeSpan.FromSeconds(limit.WindowSeconds),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static bool IsExempt(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics");

    private static async ValueTask RejectAsync(OnRejectedContext rejected, ProxyLimitsOptions.WindowLimit perIp, ProxyLimitsOptions.WindowLimit perUser)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
            ? after
            : TimeSpan.FromSeconds(Math.Max(perIp.WindowSeconds, perUser.WindowSeconds));
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.RequestServices.GetRequiredService<ProxyMetrics>().Refused("rate_limited");
        await ProblemResponses.WriteAsync(context, StatusCodes.Status429TooManyRequests, StatusCode.ResourceExhausted,
            "Too many requests", $"Rate limit exceeded; retry after {seconds} s.", retryAfterSeconds: seconds);
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment);
}
