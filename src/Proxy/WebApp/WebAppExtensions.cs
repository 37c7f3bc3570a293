using Live.ServiceDefaults.Hosting;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Live.Proxy.WebApp;

/// <summary>
/// The browser app on the same origin as the APIs and /ws (so no CORS): its static files with cache headers
/// and a Content-Security-Policy, and index.html for every other page path the app routes itself.
/// </summary>
public static class WebAppExtensions
{
    public static IServiceCollection AddWebApp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<WebAppOptions>(configuration, WebAppOptions.Section);
        return services;
    }

    public static WebApplication UseWebApp(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Live.Proxy.WebApp");
        var configured = app.Services.GetRequiredService<IOptions<WebAppOptions>>().Value.Root;
        var root = Path.GetFullPath(Path.Combine(app.Environment.ContentRootPath, configured));
        if (!File.Exists(Path.Combine(root, WebAppFiles.IndexFile)))
        {
            WebAppLog.Missing(logger, root);
            return app;
        }

        WebAppLog.Serving(logger, root);
        var files = new PhysicalFileProvider(root);
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(files.Dispose);
        var staticFiles = new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context => WebAppFiles.AddHeaders(context.Context),
        };
        app.UseWhen(WebAppFiles.IsPageRequest, branch =>
        {
            branch.Use((context, next) =>
            {
                WebAppFiles.FallBackToIndex(context, files);
                return next(context);
            });
            branch.UseStaticFiles(staticFiles);
        });
        return app;
    }
}
