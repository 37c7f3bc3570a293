using System.Diagnostics.Metrics;

namespace Live.Proxy.Telemetry;

public sealed class ProxyMetrics : IDisposable
{
    public const string Name = "Live.Proxy";

    private readonly Meter meter;
    private readonly Counter<long> refusals;
    private readonly Counter<long> canaryRouting;
    private readonly Counter<long> jwksFetches;

    public ProxyMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(Name);
        refusals = meter.CreateCounter<long>("live.proxy.refusals", description: "Requests the proxy refused, by reason.");
        canaryRouting = meter.CreateCounter<long>("live.proxy.routed", description: "Proxied requests by cluster and destination version.");
        jwksFetches = meter.CreateCounter<long>("live.proxy.jwks.fetches", description: "JWKS fetches by outcome.");
    }

    public void Refused(string reason) => refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Routed(string cluster, string version) =>
        canaryRouting.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("version", version));

    public void JwksFetched(string outcome) => jwksFetches.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => meter.Dispose();
}
