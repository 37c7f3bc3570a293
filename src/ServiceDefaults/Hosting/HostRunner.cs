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

    /// <summary>
    /// As <see cref="RunOrMigrateAsync{TContext}"/> for a host whose schema belongs to the libraries it hosts:
    /// `--migrate` runs <paramref name="migrate"/> and exits.
    /// </summary>
    public static async Task<int> RunOrMigrateAsync(this WebApplication app, string[] args, Func<IServiceProvider, Task> migrate)
    {
        if (args.Contains("--migrate"))
        {
            await migrate(app.Services);
            Console.WriteLine("migrations applied.");
            return 0;
        }

        await app.RunAsync();
        return 0;
    }
}
