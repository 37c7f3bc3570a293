using Live.ServiceDefaults.Hosting;

namespace Live.Edge;

public static class EdgeApp
{
    public const string ServiceName = "edge";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = PlatformHost.CreateBuilder(args, ServiceName, configure);
        var app = builder.Build();
        app.MapDefaultEndpoints();

        // The WebSocket endpoint is not built yet; say so plainly rather than accept and drop connections.
        app.Map("/ws", () => Results.Problem(
            title: "Not implemented",
            detail: "The room WebSocket endpoint is not available in this build.",
            statusCode: StatusCodes.Status501NotImplemented));
        return app;
    }
}
