using Grpc.Core;
using Live.ServiceDefaults.Grpc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Live.Data;

public static class DatabaseFailures
{
    private const string Unavailable = "The database is unavailable; retry later.";

    /// <summary>A database outage is UNAVAILABLE (retryable); a lost optimistic-concurrency race is ABORTED.</summary>
    public static IServiceCollection AddDatabaseFailures(this IServiceCollection services)
    {
        services.AddDependencyFailure<DbUpdateConcurrencyException>(
            StatusCode.Aborted, "The record was changed by another request; read it again and retry.");
        services.AddDependencyFailure<MySqlException>(StatusCode.Unavailable, Unavailable);
        services.AddDependencyFailure<InvalidOperationException>(
            StatusCode.Unavailable, Unavailable, exception => exception.InnerException is MySqlException);

        // A timeout nothing nearer claims (Redis maps its own) is taken for the database's: it is the one
        // dependency every service calls with short connect and command timeouts of its own.
        services.AddDependencyFailure<TimeoutException>(StatusCode.Unavailable, Unavailable);
        return services;
    }
}
