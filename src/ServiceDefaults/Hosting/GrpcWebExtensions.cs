using Microsoft.AspNetCore.Builder;

namespace Live.ServiceDefaults.Hosting;

public static class GrpcWebExtensions
{
    /// <summary>
    /// Answers gRPC-Web (binary and text) as well as gRPC on every service of this host, so browsers can call
    /// it through the Proxy, which forwards gRPC-Web requests untouched (docs/adr/0006-browser-access.md).
    /// The translation is per request and costs nothing for native gRPC calls.
    /// </summary>
    public static WebApplication UseGrpcWebForBrowsers(this WebApplication app)
    {
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        return app;
    }
}
