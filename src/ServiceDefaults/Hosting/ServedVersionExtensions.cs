using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Live.ServiceDefaults.Hosting;

public static class ServedVersionExtensions
{
    /// <summary>Response header naming the version (Service:Version) of the process that answered.</summary>
    public const string Header = "x-served-version";

    /// <summary>
    /// Every response says which version answered, so a canary split through the Proxy can be checked from
    /// the client side against the process itself rather than against the Proxy's routing table.
    /// </summary>
    public static WebApplication UseServedVersionHeader(this WebApplication app)
    {
        var version = app.Configuration["Service:Version"] ?? "v1";
        app.Use((context, next) =>
        {
            context.Response.Headers[Header] = version;
            return next(context);
        });
        return app;
    }
}
