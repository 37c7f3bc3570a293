using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Live.Testing;

/// <summary>
/// A service host running in the test process on real Kestrel, on fresh loopback ports: one HTTP/2 port for
/// gRPC and one HTTP/1.1 port for health and metrics, as in production.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    /// <summary>
    /// A test process runs several service hosts, each sized for a process of its own, on one thread pool whose
    /// minimum is the core count (2 here). Their start-up blocking (a Redis or MySQL connect, migrations) then
    /// waits for the pool to grow, and localhost connects time out under that starvation (seen as "Redis was not
    /// reachable when the process started" in StatsService.Tests). A test process starts with room for them.
    /// </summary>
    static TestHost()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completionPorts, 64));
    }

    private TestHost(WebApplication app, int grpcPort, int httpPort, LogCollector logs)
    {
        App = app;
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        Logs = logs;
        Channel = GrpcChannel.ForAddress(GrpcAddress);
    }

    public WebApplication App { get; }
    public Uri GrpcAddress { get; }
    public Uri HttpAddress { get; }
    public GrpcChannel Channel { get; }
    public LogCollector Logs { get; }
    public IServiceProvider Services => App.Services;

    /// <param name="build">The service's own Build(args, configure) method.</param>
    /// <param name="settings">Configuration for this host, over the service's appsettings.json.</param>
    public static async Task<TestHost> StartAsync(
        Func<string[], Action<WebApplicationBuilder>, WebApplication> build,
        IDictionary<string, string?> settings)
    {
        // A probed port can be taken by another test process before Kestrel binds it: probe again and retry.
        for (var attempt = 1; ; attempt++)
        {
            var grpcPort = TestEnvironment.FreeTcpPort();
            var httpPort = TestEnvironment.FreeTcpPort();
            var logs = new LogCollector();
            var all = new Dictionary<string, string?>(settings)
            {
                ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
                ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
                ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
                ["Kestrel:Endpoints:Http:Protocols"] = "Http1AndHttp2",
            };
            var app = build([], builder =>
            {
                builder.Configuration.AddInMemoryCollection(all);
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(logs);
            });
            try
            {
                await app.StartAsync();
            }
            catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && attempt < 3)
            {
                await app.DisposeAsync();
                continue;
            }

            return new TestHost(app, grpcPort, httpPort, logs);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
