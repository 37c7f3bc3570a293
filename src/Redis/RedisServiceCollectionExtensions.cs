using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Live.Redis;

public static class RedisServiceCollectionExtensions
{
    private const string RedisUnavailable = "Redis is unavailable; retry later.";

    /// <summary>
    /// One multiplexer per process, configured to fail fast: while Redis is down, commands throw at once
    /// (mapped to UNAVAILABLE) instead of queueing behind a reconnect, so callers never hang.
    /// </summary>
    public static IServiceCollection AddRedis(this IServiceCollection services, IConfiguration configuration, string clientName)
    {
        var options = CreateOptions(configuration.RequireConnectionString("Redis"), clientName);
        services.AddSingleton<IConnectionMultiplexer>(sp => ConnectWithLogging(options, sp.GetRequiredService<ILoggerFactory>()));
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            "redis",
            sp => new RedisHealthCheck(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<IHostApplicationLifetime>()),
            HealthStatus.Unhealthy,
            [ServiceDefaultsExtensions.ReadyTag],
            TimeSpan.FromSeconds(3)));
        services.AddDependencyFailure<RedisConnectionException>(StatusCode.Unavailable, RedisUnavailable);
        services.AddDependencyFailure<RedisTimeoutException>(StatusCode.Unavailable, RedisUnavailable);
        services.AddDependencyFailure<RedisServerException>(StatusCode.Unavailable, RedisUnavailable, IsPassingClusterState);
        return services;
    }

    /// <summary>
    /// Errors a Redis node answers while a cluster or a replica changes state — a master just demoted to replica
    /// (READONLY, seen when a failover promotes its replica), a node loading its data, a cluster without a
    /// majority or mid-resharding. They pass within seconds and a retry succeeds: UNAVAILABLE, not INTERNAL.
    /// </summary>
    private static bool IsPassingClusterState(RedisServerException exception) =>
        exception.Message.StartsWith("READONLY", StringComparison.Ordinal)
        || exception.Message.StartsWith("LOADING", StringComparison.Ordinal)
        || exception.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || exception.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
        || exception.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal);

    /// <summary>
    /// Connects, and logs every connection the multiplexer loses or gets back: with fail-fast commands a dropped
    /// connection shows as UNAVAILABLE answers, and this says why and when it happened.
    /// </summary>
    private static ConnectionMultiplexer ConnectWithLogging(ConfigurationOptions options, ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger("Live.Redis.Connection");
        var multiplexer = ConnectionMultiplexer.Connect(options);
        multiplexer.ConnectionFailed += (_, e) => RedisLog.ConnectionFailed(logger, e.EndPoint?.ToString(), e.ConnectionType, e.FailureType, e.Exception?.Message);
        multiplexer.ConnectionRestored += (_, e) => RedisLog.ConnectionRestored(logger, e.EndPoint?.ToString(), e.ConnectionType);
        if (!multiplexer.IsConnected)
        {
            RedisLog.NotConnectedAtStart(logger, multiplexer.GetStatus());
        }

        return multiplexer;
    }

    public static ConfigurationOptions CreateOptions(string connectionString, string clientName)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= clientName;
        if (!connectionString.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
        {
            options.ConnectTimeout = 2_000;
        }

        if (!connectionString.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            options.AsyncTimeout = 2_000;
            options.SyncTimeout = 2_000;
        }

        options.ReconnectRetryPolicy = new ExponentialRetry(250, 2_000);
        return options;
    }
}

internal sealed class RedisHealthCheck(IConnectionMultiplexer redis, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // A periodic check can race the shutdown that closes the multiplexer; that is the service stopping,
            // not Redis failing, and must not read as an outage.
            return lifetime.ApplicationStopping.IsCancellationRequested
                ? HealthCheckResult.Degraded("stopping")
                : HealthCheckResult.Unhealthy("Redis ping failed", ex);
        }
    }
}

internal static partial class RedisLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Redis connection to {EndPoint} ({ConnectionType}) failed: {FailureType}: {Reason}")]
    public static partial void ConnectionFailed(ILogger logger, string? endPoint, ConnectionType connectionType, ConnectionFailureType failureType, string? reason);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Redis connection to {EndPoint} ({ConnectionType}) restored")]
    public static partial void ConnectionRestored(ILogger logger, string? endPoint, ConnectionType connectionType);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Redis was not reachable when the process started; commands fail fast until it is: {Status}")]
    public static partial void NotConnectedAtStart(ILogger logger, string status);
}
