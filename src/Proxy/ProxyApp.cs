using Live.ServiceDefaults.Hosting;

namespace Live.Proxy;

public static class ProxyApp
{
    public const string ServiceName = "proxy";

    public static WebApplication Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.AddServiceDefaults(ServiceName);
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapReverseProxy();
        return app;
    }
}
