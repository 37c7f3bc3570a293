using Microsoft.AspNetCore.Builder;

namespace Live.ServiceDefaults.Hosting;

public static class PlatformHost
{
    /// <summary>
    /// A builder whose content root is the application's own folder, so appsettings.json is found whatever the
    /// working directory. <paramref name="configure"/> runs before the defaults are added; in-process test
    /// hosts use it to override configuration and capture logs.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, string serviceName, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);
        builder.AddServiceDefaults(serviceName);
        return builder;
    }
}
