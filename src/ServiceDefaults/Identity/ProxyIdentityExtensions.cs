using Grpc.AspNetCore.Server;
using Live.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Live.ServiceDefaults.Identity;

public static class ProxyIdentityExtensions
{
    /// <summary>
    /// Accepts caller identity from the Proxy's signed headers on every gRPC call (Identity:ProxySecret), and
    /// refuses identity anyone else sent. Handlers read it with <see cref="CallerContext.GetCaller"/>.
    /// </summary>
    public static IServiceCollection AddProxyIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ProxyIdentityOptions>(configuration, ProxyIdentityOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ProxyIdentityVerifier>();
        services.AddSingleton<CallerIdentityInterceptor>();
        services.Configure<GrpcServiceOptions>(options => options.Interceptors.Add<CallerIdentityInterceptor>());
        return services;
    }
}
