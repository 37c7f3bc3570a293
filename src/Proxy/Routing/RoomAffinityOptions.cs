using System.ComponentModel.DataAnnotations;

namespace Live.Proxy.Routing;

/// <summary>How the RoomAffinity load-balancing policy spreads /ws connections over the Edges (see ADR 0011).</summary>
public sealed class RoomAffinityOptions
{
    public const string Section = "RoomAffinity";

    /// <summary>
    /// The load bound as a multiple of the average connections per Edge: a room's home Edge takes its viewers
    /// until it would hold more than ceil(BalanceFactor × (connections + 1) / Edges), then the next Edge on the ring
    /// does. Lower keeps the Edges evenly loaded; higher keeps more of a room on one Edge.
    /// </summary>
    [Range(1.0, 100.0)]
    public double BalanceFactor { get; set; } = 1.25;

    /// <summary>Points each destination has on the ring; more points spread the rooms more evenly over the Edges.</summary>
    [Range(1, 1000)]
    public int VirtualNodesPerDestination { get; set; } = 160;

    /// <summary>The query parameter that names the room; the Edge reads the same one.</summary>
    [Required(AllowEmptyStrings = false)]
    public string QueryParameter { get; set; } = "room";
}
