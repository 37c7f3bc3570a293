using Live.Bans;
using Live.Data;
using Live.Redis;
using Live.ServiceClients;
using Live.ServiceDefaults.Hosting;
using Live.ServiceDefaults.Identity;
using Live.UserService.Accounts;
using Live.UserService.Bans;
using Live.UserService.Data;
using Live.UserService.Grpc;
using Live.UserService.Presence;
using Live.UserService.Profiles;
using Live.UserService.Telemetry;
using Live.UserService.Tokens;
using Microsoft.AspNetCore.Identity;

namespace Live.UserService;

/// <summary>Builds the UserService host; Program.cs and the in-process test hosts share it.</summary>
public static class UserServiceApp
{
    public const string ServiceName = "user-service";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = PlatformHost.CreateBuilder(args, ServiceName, configure);
        builder.Services.AddUserServices(builder.Configuration);

        var app = builder.Build();
        app.UseServedVersionHeader();
        app.UseGrpcWebForBrowsers();
        app.MapDefaultEndpoints();
        app.MapJwks();
        app.MapGrpcService<UserGrpcService>();
        return app;
    }

    private static void AddUserServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TokenIssuingOptions>(configuration, TokenIssuingOptions.Section);
        services.AddValidatedOptions<PresenceOptions>(configuration, PresenceOptions.Section);
        services.AddValidatedOptions<ProfileOptions>(configuration, ProfileOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<UserMetrics>();
        services.AddMySqlDbContext<UsersDbContext>(configuration);
        services.AddRedis(configuration, ServiceName);
        services.AddProxyIdentity(configuration);
        services.AddBanList(configuration);
        services.AddSingleton<IPasswordHasher<UserRecord>, PasswordHasher<UserRecord>>();
        services.AddScoped<AccountStore>();
        services.AddSingleton<ProfileReadCache>();
        services.AddHostedService(sp => sp.GetRequiredService<ProfileReadCache>());
        services.AddScoped<RefreshTokenStore>();
        services.AddScoped<BanStore>();
        services.AddSingleton<SigningKeyRing>();
        services.AddHostedService(sp => sp.GetRequiredService<SigningKeyRing>());
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton<PresenceStore>();
        services.AddHostedService<BanMirrorSync>();
        services.AddScoped<AccountRpcs>();
        services.AddScoped<ProfileRpcs>();
        services.AddScoped<SessionRpcs>();
        services.AddScoped<SigningKeyRpcs>();
        services.AddScoped<BanRpcs>();
        // Ban notices need MessageService (which hosts the inbox); a UserService without its address bans without them.
        if (!string.IsNullOrEmpty(configuration["Services:MessageService"]))
        {
            services.AddInboxServiceClient(configuration);
            services.AddSingleton<BanNotices>();
        }
        services.AddScoped<PresenceRpcs>();
    }
}
