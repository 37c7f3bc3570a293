using System.Diagnostics.Metrics;

namespace Live.Proxy.Telemetry;

public sealed class ProxyMetrics : IDisposable
{
    public const string Name = "Live.Proxy";

    private readonly Meter meter;
    private readonly Counter<long> refusals;
    private readonly Counter<long> canaryRouting;
    private readonly Counter<long> jwksFetches;
    private readonly Counter<long> responses;

    public ProxyMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        refusals = meter.CreateCounter<long>("live.proxy.refusals", description: "Requests the proxy refused, by reason.");
        canaryRouting = meter.CreateCounter<long>("live.proxy.routed", description: "Proxied requests by cluster and destination version.");
        jwksFetches = meter.CreateCounter<long>("live.proxy.jwks.fetches", description: "JWKS fetches by outcome.");
        responses = meter.CreateCounter<long>("live.proxy.responses",
            description: "Forwarded requests by protocol (grpc, grpc-web, websocket, http) and outcome (ok, client_error, server_error), gRPC statuses included.");

        // The alert rules divide server errors by all responses of a protocol: both series exist from the start.
        foreach (var protocol in new[] { "grpc", "grpc-web", "websocket", "http" })
        {
            responses.Add(0, new KeyValuePair<string, object?>("protocol", protocol), new KeyValuePair<string, object?>("outcome", "server_error"));
            responses.Add(0, new KeyValuePair<string, object?>("protocol", protocol), new KeyValuePair<string, object?>("outcome", "ok"));
        }
    }

    public void Refused(string reason) => refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Routed(string cluster, string version) =>
        canaryRouting.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("version", version));

    public void JwksFetched(string outcome) => jwksFetches.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Responded(string protocol, string outcome) =>
        responses.Add(1, new KeyValuePair<string, object?>("protocol", protocol), new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => meter.Dispose();
}
