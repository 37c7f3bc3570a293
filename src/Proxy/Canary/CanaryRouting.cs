using System.Globalization;
using Live.Proxy.Forwarding;
using Live.Proxy.Telemetry;
using Yarp.ReverseProxy.Model;

namespace Live.Proxy.Canary;

/// <summary>
/// Picks the version before YARP load-balances: every destination carries Metadata version v1 or v2.
/// <c>x-canary: true</c> goes to v2, <c>x-canary: false</c> to v1; without the header a cluster's
/// <c>CanaryWeightPercent</c> (0 unless set) of requests go to v2. When the chosen version has no healthy
/// destination, the other one serves, and the response's x-served-version says which did.
/// </summary>
public static class CanaryRouting
{
    public const string Header = "x-canary";
    public const string WeightMetadata = "CanaryWeightPercent";

    public static IReverseProxyApplicationBuilder UseCanaryRouting(this IReverseProxyApplicationBuilder pipeline)
    {
        var metrics = pipeline.ApplicationServices.GetRequiredService<ProxyMetrics>();
        pipeline.Use((context, next) =>
        {
            var feature = context.GetReverseProxyFeature();
            var wantCanary = WantsCanary(context.Request.Headers[Header].ToString(), feature.Cluster.Config.Metadata);
            var available = feature.AvailableDestinations;
            var chosen = new List<DestinationState>(available.Count);
            var fallback = new List<DestinationState>(available.Count);
            foreach (var destination in available)
            {
                var isCanary = IdentityForwardingTransforms.VersionOf(destination) == "v2";
                (isCanary == wantCanary ? chosen : fallback).Add(destination);
            }

            var serving = chosen.Count > 0 ? chosen : fallback;
            feature.AvailableDestinations = serving;
            metrics.Routed(feature.Cluster.Config.ClusterId, (wantCanary == (serving == chosen)) ? "v2" : "v1");
            return next();
        });
        return pipeline;
    }

    private static bool WantsCanary(string header, IReadOnlyDictionary<string, string>? clusterMetadata)
    {
        if (header.Length > 0)
        {
            return string.Equals(header, "true", StringComparison.OrdinalIgnoreCase);
        }

        var weight = Weight(clusterMetadata);
        return weight > 0 && Random.Shared.Next(100) < weight;
    }

    public static int Weight(IReadOnlyDictionary<string, string>? clusterMetadata) =>
        clusterMetadata?.TryGetValue(WeightMetadata, out var text) == true
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var weight) ? weight : 0;
}
