using System.Net;
using System.Text;
using Live.Proxy.Auth;
using Live.Proxy.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Fuzz.AccessTokens;

/// <summary>The Proxy's authentication services (AddProxyAuthentication), with its JWKS served from jwks.json.</summary>
public sealed class ProxyAuthentication
{
    public const string Issuer = "live-fuzz";
    public const string Audience = "live";
    private const string JwksUrl = "http://user-service.invalid/.well-known/jwks.json";

    private readonly IServiceProvider services;

    private ProxyAuthentication(IServiceProvider services) => this.services = services;

    public static ProxyAuthentication Create()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:JwksUrl"] = JwksUrl,
            ["Auth:Issuer"] = Issuer,
            ["Auth:Audience"] = Audience,
        }).Build();
        var jwks = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "jwks.json"));
        var services = new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .AddSingleton<ProxyMetrics>()
            // Each look at the clock is an hour later, so an unknown kid's refresh never waits out its minimum interval.
            .AddSingleton<TimeProvider>(new HourPerReadClock());
        services.AddProxyAuthentication(configuration);
        services.AddHttpClient(JwksKeySource.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new StaticJwks(jwks));
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<JwksKeySource>().RefreshForUnknownKidAsync("load", CancellationToken.None).GetAwaiter().GetResult();
        return new ProxyAuthentication(provider);
    }

    public void Check(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        using var scope = services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Path = AccessTokenReader.WebSocketPath;
        switch (input[0] % 3)
        {
            case 0:
                // Kestrel hands header bytes over as Latin-1 at most: every byte is one char.
                context.Request.Headers.Authorization = "Bearer " + Encoding.Latin1.GetString(input, 1, input.Length - 1);
                break;
            case 1:
                // A query string is percent-decoded UTF-8: any text.
                context.Request.QueryString = QueryString.Create(AccessTokenReader.QueryParameter, Encoding.UTF8.GetString(input, 1, input.Length - 1));
                break;
            default:
                context.Request.Headers.SecWebSocketProtocol = "live.json, " + AccessTokenReader.SubprotocolPrefix + Encoding.Latin1.GetString(input, 1, input.Length - 1);
                break;
        }

        var result = context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme).GetAwaiter().GetResult();
        if (result.Succeeded || result.None)
        {
            return;
        }

        // JwtBearerHandler turns whatever validating the token threw into this failure, so every failure is a refusal;
        // the promise (docs/identity.md) is what the client gets: 401 with an invalid_token challenge.
        context.ChallengeAsync(JwtBearerDefaults.AuthenticationScheme).GetAwaiter().GetResult();
        if (context.Response.StatusCode != StatusCodes.Status401Unauthorized
            || !context.Response.Headers.WWWAuthenticate.ToString().StartsWith("Bearer error=\"invalid_token\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"A refused token was answered {context.Response.StatusCode} ({context.Response.Headers.WWWAuthenticate}), not 401 invalid_token.",
                result.Failure);
        }
    }

    private sealed class StaticJwks(string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
    }

    private sealed class HourPerReadClock : TimeProvider
    {
        private long now;

        public override long GetTimestamp() => Interlocked.Add(ref now, TimestampFrequency * 3600);
    }
}
