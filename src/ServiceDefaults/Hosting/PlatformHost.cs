using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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

    /// <summary>
    /// A gRPC service's host: the builder above, the service's own registrations, then the pipeline every
    /// canary-routed, browser-reachable gRPC service has (served-version header, gRPC-Web, health, metrics and
    /// reflection) and <typeparamref name="TService"/> mapped.
    /// </summary>
    public static WebApplication BuildGrpcService<TService>(string[] args, string serviceName, Action<WebApplicationBuilder>? configure,
        Action<IServiceCollection, IConfiguration> addServices)
        where TService : class
    {
        var builder = CreateBuilder(args, serviceName, configure);
        addServices(builder.Services, builder.Configuration);

        var app = builder.Build();
        app.UseServedVersionHeader();
        app.UseGrpcWebForBrowsers();
        app.MapDefaultEndpoints();
        app.MapGrpcService<TService>();
        return app;
    }
}
