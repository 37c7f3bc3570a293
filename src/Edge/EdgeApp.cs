using Live.ServiceDefaults.Hosting;

namespace Live.Edge;

public static class EdgeApp
{
    public const string ServiceName = "edge";

    public static WebApplication Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.AddServiceDefaults(ServiceName);
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
