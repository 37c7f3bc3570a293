using Live.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;

namespace Live.Data;

public static class DatabaseHostRunner
{
    /// <summary>`dotnet X.dll --migrate` applies the service's EF migrations and exits; otherwise the host runs.</summary>
    public static Task<int> RunOrMigrateAsync<TContext>(this WebApplication app, string[] args)
        where TContext : DbContext =>
        app.RunOrMigrateAsync(args, services => PlatformDatabase.MigrateAsync<TContext>(services));
}
