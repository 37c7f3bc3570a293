using System.Net;
using System.Net.Security;
using Grpc.Net.Client;
using Live.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Live.Proxy.Tests;

/// <summary>The Proxy on real Kestrel: the public TLS port (HTTP/1.1 and HTTP/2 by ALPN) and the management port.</summary>
public sealed class ProxyHost : IAsyncDisposable
{
    private readonly TestCertificate certificate;

    private ProxyHost(WebApplication app, TestCertificate certificate, int publicPort, int httpPort, LogCollector logs)
    {
        App = app;
        this.certificate = certificate;
        PublicAddress = new Uri($"https://127.0.0.1:{publicPort}");
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        Logs = logs;
        Channel = GrpcChannel.ForAddress(PublicAddress, new GrpcChannelOptions { HttpHandler = CreateHandler(), DisposeHttpClient = true });
    }

    public WebApplication App { get; }
    public Uri PublicAddress { get; }
    public Uri HttpAddress { get; }
    public LogCollector Logs { get; }
    public GrpcChannel Channel { get; }
    public TestCertificate Certificate => certificate;

    public static async Task<ProxyHost> StartAsync(IDictionary<string, string?> settings)
    {
        var certificate = TestCertificate.Create();
        var publicPort = TestEnvironment.FreeTcpPort();
        var httpPort = TestEnvironment.FreeTcpPort();
        var logs = new LogCollector();
        var all = new Dictionary<string, string?>(settings)
        {
            ["Kestrel:Endpoints:Public:Url"] = $"https://127.0.0.1:{publicPort}",
            ["Kestrel:Endpoints:Public:Protocols"] = "Http1AndHttp2",
            ["Kestrel:Endpoints:Public:Certificate:Path"] = certificate.PfxPath,
            ["Kestrel:Endpoints:Public:Certificate:Password"] = TestCertificate.Password,
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
        };
        var app = ProxyApp.Build([], builder =>
        {
            ServiceConfiguration.UseAppSettings(builder, "Proxy");
            builder.Configuration.AddInMemoryCollection(all);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
        });
        await app.StartAsync();
        return new ProxyHost(app, certificate, publicPort, httpPort, logs);
    }

    /// <summary>A handler that trusts only this Proxy's certificate and speaks HTTP/2 or HTTP/1.1 by ALPN.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => certificate.Validate(cert) },
        EnableMultipleHttp2Connections = true,
    };

    public HttpClient CreateHttpClient(Version? version = null) => new(CreateHandler())
    {
        BaseAddress = PublicAddress,
        DefaultRequestVersion = version ?? HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        certificate.Dispose();
    }
}
