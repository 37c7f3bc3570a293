using Live.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace Live.Data;

public static class PlatformDatabase
{
    /// <summary>Production and tests run MariaDB 10.11 (Debian 12); the version is fixed so start-up never needs the server.</summary>
    public static readonly ServerVersion DefaultServerVersion = new MariaDbServerVersion(new Version(10, 11, 0));

    /// <summary>
    /// A pooled DbContext on MariaDB/MySQL through Pomelo. Short connect and command timeouts make an outage
    /// surface as UNAVAILABLE within seconds rather than a hung call.
    /// </summary>
    /// <param name="connectionName">The connection string's name; a library hosted beside a service's own database uses its own.</param>
    public static IServiceCollection AddMySqlDbContext<TContext>(this IServiceCollection services, IConfiguration configuration, string connectionName = "MySql")
        where TContext : DbContext
    {
        var connectionString = WithOutageTimeouts(configuration.RequireConnectionString(connectionName));
        services.AddDbContextPool<TContext>(options => Configure(options, connectionString));
        services.AddDatabaseFailures();
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            connectionName == "MySql" ? "mysql" : "mysql-" + connectionName.ToLowerInvariant(),
            _ => new MySqlHealthCheck(connectionString),
            HealthStatus.Unhealthy,
            [ServiceDefaultsExtensions.ReadyTag],
            TimeSpan.FromSeconds(5)));
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseMySql(connectionString, DefaultServerVersion, mysql => mysql.CommandTimeout(5));

    public static string WithOutageTimeouts(string connectionString)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Connection Timeout", StringComparison.OrdinalIgnoreCase)
            && !connectionString.Contains("ConnectionTimeout", StringComparison.OrdinalIgnoreCase))
        {
            builder.ConnectionTimeout = 3;
        }

        return builder.ConnectionString;
    }

    /// <summary>Applies pending migrations; used by `--migrate`, `./platform up` and test fixtures.</summary>
    public static async Task MigrateAsync<TContext>(IServiceProvider services, CancellationToken cancellationToken = default)
        where TContext : DbContext
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await db.Database.MigrateAsync(cancellationToken);
    }
}

/// <summary>
/// Opens a pooled connection and pings the server. Not through EF Core: EF logs a failed or cancelled open as an
/// error, and the health publisher cancels its checks when the host stops, so a service that was only stopping
/// would log a database fault; here a failure is the check's result, reported once by the health metrics.
/// </summary>
internal sealed class MySqlHealthCheck(string connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            return await connection.PingAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The database did not answer a ping");
        }
        catch (MySqlException ex)
        {
            return HealthCheckResult.Unhealthy("Database check failed: " + ex.Message, ex);
        }
    }
}
