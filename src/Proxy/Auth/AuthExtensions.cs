using System.Text;
using Grpc.Core;
using Live.Proxy.Forwarding;
using Live.Proxy.Telemetry;
using Live.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Live.Proxy.Auth;

public static class AuthExtensions
{
    /// <summary>
    /// Routes that take a valid token or none: without one the caller goes on as an anonymous guest (the Edge
    /// makes it a read-only viewer); a token that fails validation is refused, never quietly downgraded.
    /// </summary>
    public const string GuestPolicy = "guest";

    /// <summary>
    /// JWT bearer authentication against UserService's keys: RS256 only, issuer, audience and lifetime
    /// checked with at most 30 s of clock skew. Which routes need a token is set per route in the YARP
    /// configuration (AuthorizationPolicy "default", "guest" or "anonymous").
    /// </summary>
    public static IServiceCollection AddProxyAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ProxyAuthOptions>(configuration, ProxyAuthOptions.Section);
        services.AddHttpClient(JwksKeySource.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        services.AddSingleton<JwksKeySource>();
        services.AddHostedService(sp => sp.GetRequiredService<JwksKeySource>());
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            "jwks", sp => sp.GetRequiredService<JwksKeySource>(), HealthStatus.Unhealthy, [ServiceDefaultsExtensions.ReadyTag]));

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<ProxyAuthOptions>, JwksKeySource, TimeProvider>((jwt, auth, keys, time) => Configure(jwt, auth.Value, keys, time));
        services.AddAuthorization(authorization => authorization.AddPolicy(GuestPolicy, policy => policy.RequireAssertion(context =>
            context.User.Identity?.IsAuthenticated == true
            || (context.Resource is HttpContext http && AccessTokenReader.Read(http.Request) is null))));
        return services;
    }

    private static void Configure(JwtBearerOptions jwt, ProxyAuthOptions auth, JwksKeySource keys, TimeProvider time)
    {
        jwt.MapInboundClaims = false;
        jwt.TokenHandlers.Clear();
        jwt.TokenHandlers.Add(new CachingTokenHandler(keys, auth, time));
        jwt.RequireHttpsMetadata = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer,
            ValidAudience = auth.Audience,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = TimeSpan.FromSeconds(auth.ClockSkewSeconds),
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            NameClaimType = JwtRegisteredClaimNames.Name,
            RoleClaimType = "roles",
            // Only the key the token names; never a search through every key.
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = (_, _, kid, _) => keys.TryGet(kid, out var key) ? [key!] : [],
        };
        jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = async context =>
            {
                var token = AccessTokenReader.Read(context.Request);
                context.Token = token;
                if (token is not null && KidOf(token) is { } kid && !keys.TryGet(kid, out _))
                {
                    // A key published since the last fetch (a rotation) should not cost the client a 401.
                    await keys.RefreshForUnknownKidAsync(kid, context.HttpContext.RequestAborted);
                }
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var reason = Describe(context.AuthenticateFailure);
                context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null
                    ? "Bearer"
                    : $"Bearer error=\"invalid_token\", error_description=\"{reason}\"";
                var services = context.HttpContext.RequestServices;
                services.GetRequiredService<ProxyMetrics>().Refused("unauthenticated");
                var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Live.Proxy.Auth");
                var request = context.Request;
                Log.Refused(logger, request.Method, request.Path, context.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown", reason);
                await ProblemResponses.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, StatusCode.Unauthenticated, "Unauthorized", reason);
            },
        };
    }

    /// <summary>The token's key id, or null when it cannot be read; validation then refuses it with the reason.</summary>
    private static string? KidOf(string token)
    {
        try
        {
            return new JsonWebToken(token).Kid;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or System.Text.Json.JsonException)
        {
            // Malformed tokens come out as SecurityTokenMalformedException (an ArgumentException), but a five-part
            // (JWE) token with a one-character part as FormatException (fuzzing, tests/Fuzz/AccessTokens): thrown
            // from OnMessageReceived, any of these would make JwtBearerHandler answer 500 instead of 401.
            return null;
        }
    }

    /// <summary>Says why a token was refused without echoing any of it back.</summary>
    private static string Describe(Exception? failure) => failure switch
    {
        null => "This call needs an access token (Authorization: Bearer <token>).",
        SecurityTokenExpiredException => "The access token has expired; refresh it.",
        SecurityTokenNotYetValidException => "The access token is not valid yet.",
        SecurityTokenInvalidIssuerException => "The access token was not issued by this platform.",
        SecurityTokenInvalidAudienceException => "The access token is not meant for this platform.",
        SecurityTokenInvalidAlgorithmException => "The access token's algorithm is not accepted (RS256 only).",
        SecurityTokenSignatureKeyNotFoundException => "The access token was signed with an unknown or retired key.",
        SecurityTokenInvalidSignatureException => "The access token's signature is not valid.",
        SecurityTokenMalformedException => "The access token is malformed.",
        _ => "The access token is not valid.",
    };
}
