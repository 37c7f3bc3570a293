using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace Live.Proxy.Tests;

/// <summary>
/// This test process hosts three services whose appsettings.json would all land in one output folder; each
/// host here reads its own from the source tree instead, so every service runs with its real configuration.
/// </summary>
public static class ServiceConfiguration
{
    public static readonly string RepoRoot = FindRepoRoot();

    public static Func<string[], Action<WebApplicationBuilder>, WebApplication> WithOwnAppSettings(
        Func<string[], Action<WebApplicationBuilder>?, WebApplication> build, string serviceDirectory) =>
        (args, configure) => build(args, builder =>
        {
            UseAppSettings(builder, serviceDirectory);
            configure(builder);
        });

    public static void UseAppSettings(WebApplicationBuilder builder, string serviceDirectory)
    {
        var sources = ((IConfigurationBuilder)builder.Configuration).Sources;
        var index = -1;
        for (var i = sources.Count - 1; i >= 0; i--)
        {
            if (sources[i] is JsonConfigurationSource { Path: { } path } && path.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase))
            {
                sources.RemoveAt(i);
                index = i;
            }
        }

        var file = Path.Combine(RepoRoot, "src", serviceDirectory, "appsettings.json");
        var own = new JsonConfigurationSource { Path = file, Optional = false, ReloadOnChange = false };
        own.ResolveFileProvider();
        sources.Insert(index < 0 ? 0 : index, own);
    }

    private static string FindRepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }
}
