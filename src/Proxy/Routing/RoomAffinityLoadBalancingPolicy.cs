using System.Runtime.CompilerServices;
using Live.Proxy.Telemetry;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Live.Proxy.Routing;

/// <summary>
/// Consistent hashing with bounded loads for /ws: a room's viewers go to the room's home Edge on the ring until that
/// Edge would exceed ceil(BalanceFactor × (connections + 1) / Edges), then to the next Edge in ring order, so a quiet
/// room stays on one Edge and a hot room spreads over as many as it needs (ADR 0011). Requests without a room go to
/// the Edge with the fewest connections.
/// </summary>
/// <remarks>
/// Connection counts are YARP's own <see cref="DestinationState.ConcurrentRequestCount"/>: the forwarder raises it
/// before proxying and lowers it when the forwarded request ends, which for an upgraded WebSocket is when the
/// tunnel closes. That is exactly passive counting of open sockets per Edge, already maintained and shared by every
/// route to the cluster, with no per-connection state of our own to bound or to leak on a failed request.
/// </remarks>
public sealed class RoomAffinityLoadBalancingPolicy(IOptions<RoomAffinityOptions> options, ILogger<RoomAffinityLoadBalancingPolicy> logger) : ILoadBalancingPolicy
{
    public const string PolicyName = "RoomAffinity";

    // Keyed by YARP's list of all the cluster's destinations, replaced whenever the configuration changes them: one
    // ring per live list, released with it, so memory is bounded by the clusters that use the policy.
    private readonly ConditionalWeakTable<IReadOnlyList<DestinationState>, RoomHashRing> rings = new();
    private readonly RoomAffinityOptions settings = options.Value;

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count <= 1)
        {
            return availableDestinations.Count == 0 ? null : availableDestinations[0];
        }

        var room = context.Request.Query[settings.QueryParameter].ToString();
        if (room.Length == 0)
        {
            return LeastConnections(availableDestinations);
        }

        var total = 0;
        for (var i = 0; i < availableDestinations.Count; i++)
        {
            total += availableDestinations[i].ConcurrentRequestCount;
        }

        var bound = (int)Math.Ceiling(settings.BalanceFactor * (total + 1) / availableDestinations.Count);
        var ring = RingFor(cluster);
        return ring.Pick(RoomHashRing.HashRoom(room), availableDestinations, bound) ?? LeastConnections(availableDestinations);
    }

    private RoomHashRing RingFor(ClusterState cluster)
    {
        var all = cluster.DestinationsState.AllDestinations;
        if (rings.TryGetValue(all, out var ring))
        {
            return ring;
        }

        ring = rings.GetValue(all, destinations => RoomHashRing.Build(destinations, settings.VirtualNodesPerDestination));
        Log.RoomRingBuilt(logger, cluster.ClusterId, ring.Destinations.Count, ring.PointCount);
        return ring;
    }

    private static DestinationState LeastConnections(IReadOnlyList<DestinationState> available)
    {
        var least = available[0];
        for (var i = 1; i < available.Count; i++)
        {
            if (available[i].ConcurrentRequestCount < least.ConcurrentRequestCount)
            {
                least = available[i];
            }
        }

        return least;
    }
}
