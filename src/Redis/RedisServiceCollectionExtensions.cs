using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Live.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
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
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            "redis",
            sp => new RedisHealthCheck(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<IHostApplicationLifetime>()),
            HealthStatus.Unhealthy,
            [ServiceDefaultsExtensions.ReadyTag],
            TimeSpan.FromSeconds(3)));
        services.AddDependencyFailure<RedisConnectionException>(StatusCode.Unavailable, RedisUnavailable);
        services.AddDependencyFailure<RedisTimeoutException>(StatusCode.Unavailable, RedisUnavailable);
        return services;
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
