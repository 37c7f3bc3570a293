using System.Globalization;
using Live.Proxy.Canary;
using Live.Proxy.Forwarding;
using Yarp.ReverseProxy.Configuration;

namespace Live.Proxy.Configuration;

/// <summary>
/// Checks the YARP configuration when it loads: every route must say whether it needs a token
/// (AuthorizationPolicy "default", "guest" or "anonymous"), so a new route can never be public by omission; every
/// destination's version is v1 or v2; canary weights are 0..100 and only where a v2 exists. A bad file at
/// start-up stops the Proxy; a bad reload is rejected by YARP, which keeps the last good configuration.
/// </summary>
public sealed class RouteSecurityConfigFilter : IProxyConfigFilter
{
    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        if (string.IsNullOrWhiteSpace(route.AuthorizationPolicy))
        {
            throw new InvalidOperationException($"Route '{route.RouteId}' has no AuthorizationPolicy; set \"default\" (token required), \"guest\" (a valid token or none) or \"anonymous\".");
        }

        return ValueTask.FromResult(route);
    }

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        var hasCanary = false;
        foreach (var (id, destination) in cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
        {
            var version = destination.Metadata?.GetValueOrDefault(IdentityForwardingTransforms.VersionMetadata) ?? "v1";
            if (version is not ("v1" or "v2"))
            {
                throw new InvalidOperationException($"Destination '{id}' of cluster '{cluster.ClusterId}' has version '{version}'; use v1 or v2.");
            }

            hasCanary |= version == "v2";
        }

        if (cluster.Metadata?.TryGetValue(CanaryRouting.WeightMetadata, out var text) == true)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight > 100)
            {
                throw new InvalidOperationException($"Cluster '{cluster.ClusterId}' has {CanaryRouting.WeightMetadata} '{text}'; use a whole number from 0 to 100.");
            }

            if (weight > 0 && !hasCanary)
            {
                throw new InvalidOperationException($"Cluster '{cluster.ClusterId}' sends {weight}% to v2 but has no v2 destination.");
            }
        }

        return ValueTask.FromResult(cluster);
    }
}
