using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Live.ServiceDefaults.Data;

namespace Live.ServiceDefaults.Hosting;

public static class HostRunner
{
    /// <summary>`dotnet X.dll --migrate` applies the service's EF migrations and exits; otherwise the host runs.</summary>
    public static async Task<int> RunOrMigrateAsync<TContext>(this WebApplication app, string[] args)
        where TContext : DbContext
    {
        if (args.Contains("--migrate"))
        {
            await PlatformDatabase.MigrateAsync<TContext>(app.Services);
            Console.WriteLine($"{typeof(TContext).Name}: migrations applied.");
            return 0;
        }

        await app.RunAsync();
        return 0;
    }
}
