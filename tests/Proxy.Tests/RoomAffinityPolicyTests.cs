using Live.Proxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Live.Proxy.Tests;

/// <summary>The RoomAffinity policy on its own, over four Edge destinations whose connection counts the tests set.</summary>
public sealed class RoomAffinityPolicyTests
{
    private static readonly string[] EdgeIds = ["edge-a", "edge-b", "edge-c", "edge-d"];

    [Fact]
    public void Rooms_stick_to_their_home_edge_while_under_the_bound()
    {
        var policy = Policy();
        var (cluster, edges) = Cluster(EdgeIds);
        foreach (var edge in edges)
        {
            edge.ConcurrentRequestCount = 10;
        }

        for (var room = 1; room <= 200; room++)
        {
            var home = policy.PickDestination(Request(room), cluster, edges)!;
            for (var viewer = 0; viewer < 3; viewer++)
            {
                Assert.Same(home, policy.PickDestination(Request(room), cluster, edges));
            }
        }

        // Each Edge is home to a fair share of 1000 rooms (a quarter each, give or take).
        var (freshCluster, fresh) = Cluster(EdgeIds);
        var homes = HomesOf(policy, freshCluster, fresh, 1000);
        foreach (var edge in fresh)
        {
            Assert.InRange(homes.Count(pair => pair.Value == edge.DestinationId), 150, 350);
        }
    }

    [Fact]
    public void A_hot_room_fills_its_home_edge_to_the_bound_then_spills_in_ring_order()
    {
        var policy = Policy();
        var (cluster, edges) = Cluster(EdgeIds);
        const int room = 42;
        var ringOrder = RingOrder(policy, cluster, edges, room);

        var firstUse = new List<DestinationState>();
        for (var viewer = 0; viewer < 400; viewer++)
        {
            var total = edges.Sum(edge => edge.ConcurrentRequestCount);
            var bound = (int)Math.Ceiling(1.25 * (total + 1) / edges.Length);
            var chosen = policy.PickDestination(Request(room), cluster, edges)!;
            Assert.True(chosen.ConcurrentRequestCount + 1 <= bound, $"viewer {viewer} went past the bound {bound}");

            // A spill goes to the first Edge in ring order that has room, never past one that has.
            foreach (var earlier in ringOrder.TakeWhile(edge => edge != chosen))
            {
                Assert.True(earlier.ConcurrentRequestCount + 1 > bound, $"viewer {viewer} skipped {earlier.DestinationId}, which had room");
            }

            if (!firstUse.Contains(chosen))
            {
                firstUse.Add(chosen);
            }

            chosen.ConcurrentRequestCount++;
        }

        // DestinationState is itself a one-item list (YARP), so compare ids, not the states.
        Assert.Equal(ringOrder.Select(edge => edge.DestinationId), firstUse.Select(edge => edge.DestinationId));
        Assert.All(edges, edge => Assert.True(ringOrder[0].ConcurrentRequestCount >= edge.ConcurrentRequestCount));
    }

    [Fact]
    public void A_failed_or_removed_edge_moves_only_its_own_rooms_to_the_next_on_the_ring()
    {
        var policy = Policy();
        var (cluster, edges) = Cluster(EdgeIds);
        var before = HomesOf(policy, cluster, edges, 1000);

        // Failed: still configured, no longer available (what YARP's health checks do).
        var failed = edges[1];
        var healthy = edges.Where(edge => edge != failed).ToArray();
        var afterFailure = HomesOf(policy, cluster, healthy, 1000);

        // Removed: gone from the configuration, so the ring is rebuilt without it.
        var (smaller, remaining) = Cluster(EdgeIds.Where(id => id != failed.DestinationId).ToArray());
        var afterRemoval = HomesOf(policy, smaller, remaining, 1000);

        var moved = 0;
        foreach (var (room, home) in before)
        {
            if (home == failed.DestinationId)
            {
                moved++;
                var next = RingOrder(policy, cluster, edges, room)[1].DestinationId;
                Assert.Equal(next, afterFailure[room]);
            }
            else
            {
                Assert.Equal(home, afterFailure[room]);
            }

            Assert.Equal(afterFailure[room], afterRemoval[room]);
        }

        Assert.InRange(moved, 150, 350);

        // The failed Edge's rooms spread over the others rather than all landing on one.
        var takers = before.Where(pair => pair.Value == failed.DestinationId).Select(pair => afterFailure[pair.Key]).Distinct().Count();
        Assert.Equal(3, takers);
    }

    [Fact]
    public void A_joining_edge_takes_rooms_only_for_itself()
    {
        var policy = Policy();
        var (cluster, edges) = Cluster(EdgeIds);
        var before = HomesOf(policy, cluster, edges, 1000);
        var (grown, more) = Cluster([.. EdgeIds, "edge-e"]);
        var after = HomesOf(policy, grown, more, 1000);

        var moved = before.Count(pair => after[pair.Key] != pair.Value);
        Assert.All(before.Where(pair => after[pair.Key] != pair.Value), pair => Assert.Equal("edge-e", after[pair.Key]));
        Assert.InRange(moved, 100, 300);
    }

    [Fact]
    public void The_ring_is_the_same_in_every_instance_whatever_the_configuration_order()
    {
        var (cluster, edges) = Cluster(EdgeIds);
        var (reversed, reversedEdges) = Cluster(EdgeIds.Reverse().ToArray());
        var one = HomesOf(Policy(), cluster, edges, 1000);
        var other = HomesOf(Policy(), reversed, reversedEdges, 1000);
        Assert.Equal(one, other);

        // Pinned: a hash that varies by process (string.GetHashCode) would agree within this process and still fail here.
        Assert.Equal(["edge-b", "edge-d", "edge-c", "edge-d", "edge-d"], Enumerable.Range(1, 5).Select(room => one[room]));
    }

    [Fact]
    public void A_numeric_room_hashes_by_value_and_a_request_without_a_room_goes_to_the_least_loaded_edge()
    {
        var policy = Policy();
        var (cluster, edges) = Cluster(EdgeIds);
        Assert.Same(policy.PickDestination(Request("7"), cluster, edges), policy.PickDestination(Request("007"), cluster, edges));

        edges[0].ConcurrentRequestCount = 3;
        edges[1].ConcurrentRequestCount = 1;
        edges[2].ConcurrentRequestCount = 2;
        edges[3].ConcurrentRequestCount = 5;
        Assert.Same(edges[1], policy.PickDestination(new DefaultHttpContext(), cluster, edges));
        Assert.Same(edges[1], policy.PickDestination(Request(string.Empty), cluster, edges));
        Assert.Null(policy.PickDestination(Request("7"), cluster, []));
    }

    [Theory]
    [InlineData(1.25, 160, "room", true)]
    [InlineData(0.9, 160, "room", false)]
    [InlineData(1.25, 0, "room", false)]
    [InlineData(1.25, 160, "", false)]
    public void The_options_refuse_a_bound_below_the_average_no_ring_points_and_no_parameter(double balanceFactor, int virtualNodes, string parameter, bool valid)
    {
        var options = new RoomAffinityOptions { BalanceFactor = balanceFactor, VirtualNodesPerDestination = virtualNodes, QueryParameter = parameter };
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.Equal(valid, System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true));
    }

    private static RoomAffinityLoadBalancingPolicy Policy() =>
        new(Options.Create(new RoomAffinityOptions()), NullLogger<RoomAffinityLoadBalancingPolicy>.Instance);

    private static (ClusterState Cluster, DestinationState[] Edges) Cluster(string[] ids)
    {
        var edges = ids.Select(id => new DestinationState(id)).ToArray();
        var cluster = new ClusterState("edge") { DestinationsState = new ClusterDestinationsState(edges, edges) };
        return (cluster, edges);
    }

    private static HttpContext Request(int room) => Request(room.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static HttpContext Request(string room)
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = QueryString.Create("room", room);
        return context;
    }

    private static Dictionary<int, string> HomesOf(RoomAffinityLoadBalancingPolicy policy, ClusterState cluster, IReadOnlyList<DestinationState> available, int rooms) =>
        Enumerable.Range(1, rooms).ToDictionary(room => room, room => policy.PickDestination(Request(room), cluster, available)!.DestinationId);

    /// <summary>The room's Edges in ring order, found by taking each chosen Edge out of the available ones in turn.</summary>
    private static List<DestinationState> RingOrder(RoomAffinityLoadBalancingPolicy policy, ClusterState cluster, DestinationState[] edges, int room)
    {
        var order = new List<DestinationState>();
        var available = edges.ToList();
        while (available.Count > 1)
        {
            var next = policy.PickDestination(Request(room), cluster, available)!;
            order.Add(next);
            available.Remove(next);
        }

        order.Add(available[0]);
        return order;
    }
}
