using Live.Bans;
using Live.Proxy.Auth;
using Live.Proxy.Canary;
using Live.Proxy.Configuration;
using Live.Proxy.Forwarding;
using Live.Proxy.Limits;
using Live.Proxy.Routing;
using Live.Proxy.Security;
using Live.Proxy.Sessions;
using Live.Proxy.Telemetry;
using Live.Proxy.WebApp;
using Live.Redis;
using Live.ServiceDefaults.Hosting;
using Live.ServiceDefaults.Identity;
using Yarp.ReverseProxy.LoadBalancing;

namespace Live.Proxy;

/// <summary>Builds the Proxy host; Program.cs and the in-process test hosts share it.</summary>
public static class ProxyApp
{
    public const string ServiceName = "proxy";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = PlatformHost.CreateBuilder(args, ServiceName, configure);
        builder.Services.AddProxyServices(builder.Configuration);

        var app = builder.Build();
        app.UseMiddleware<IngressGuardMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<UserBanGuardMiddleware>();
        app.UseRateLimiter();
        app.UseWebApp();
        app.UseAuthorization();
        app.MapDefaultEndpoints();
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseForwardedOutcomes();
            pipeline.UseCanaryRouting();
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        return app;
    }

    private static void AddProxyServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ProxyMetrics>();
        services.AddValidatedOptions<ProxyIdentityOptions>(configuration, ProxyIdentityOptions.Section)
            .Validate(o => o.ProxySecret is { Length: >= 32 }, "Identity:ProxySecret is required (at least 32 characters): backends trust identity signed with it.");
        services.AddRedis(configuration, ServiceName);
        services.AddBanList(configuration);
        services.AddProxyAuthentication(configuration);
        services.AddProxyLimits(configuration);
        services.AddWebApp(configuration);
        services.AddValidatedOptions<RoomAffinityOptions>(configuration, RoomAffinityOptions.Section);
        services.AddSingleton<ILoadBalancingPolicy, RoomAffinityLoadBalancingPolicy>();
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection("ReverseProxy"))
            .AddConfigFilter<RouteSecurityConfigFilter>()
            .AddTransforms<IdentityForwardingTransforms>()
            .AddTransforms<RefreshCookieTransforms>();
    }
}
