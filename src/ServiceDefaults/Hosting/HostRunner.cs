using Microsoft.AspNetCore.Builder;

namespace Live.ServiceDefaults.Hosting;

public static class HostRunner
{
    /// <summary>
    /// `dotnet X.dll --migrate` runs <paramref name="migrate"/> (the schemas of the service and of the libraries
    /// it hosts) and exits; otherwise the host runs. Live.Data has the one-DbContext form.
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
