using Live.Protocol;
using Live.Testing;
using Live.V1;
using StackExchange.Redis;

namespace Live.Realtime.Tests;

/// <summary>
/// ADR 0016: a room's frames sequenced in one script call go out as one Redis message. Two MessageServices on a
/// Redis of the test's own, each with an Edge; calls sent all at once so that the sequencing script takes several
/// of a room's frames per call.
/// </summary>
[Collection(RealtimeCollection.Name)]
public sealed class RoomFramesPublishedTogetherTests(RealtimeFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private const int Messages = 300;

    private PrivateRedis redis = null!;
    private readonly List<TestHost> hosts = [];

    public async Task InitializeAsync() => redis = await PrivateRedis.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(hosts))
        {
            await host.DisposeAsync();
        }

        await redis.DisposeAsync();
    }

    [Fact]
    public async Task Frames_sequenced_together_go_out_as_one_publish_per_room_and_reach_every_viewer_once_in_order()
    {
        var (nodeA, edgeA) = await StartNodeAsync(publishTogether: true);
        var (_, edgeB) = await StartNodeAsync(publishTogether: true);
        var room = await fixture.CreateLiveRoomAsync();
        await using var viewerA = await RoomClient.ConnectAsync(fixture.WebSocketUri(edgeA, room.Id), userId: 301);
        await using var viewerB = await RoomClient.ConnectAsync(fixture.WebSocketUri(edgeB, room.Id), userId: 302);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var published = new List<byte[]>();
        await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal($"room:{{{room.Id}}}:messages"), (_, value) =>
        {
            lock (published)
            {
                published.Add(value!);
            }
        });

        var seqs = await PublishAllAtOnceAsync(room.Id, [nodeA]);

        Assert.Equal(Enumerable.Range(1, Messages).Select(i => (long)i), seqs.Order());
        foreach (var viewer in new[] { viewerA, viewerB })
        {
            var seen = await UntilLastAsync(viewer);
            StreamWalk.AssertNoSilentGapOrRepeat(seen, startEpoch: 0, startSeq: 0);
            Assert.Equal(Messages, seen.Count(StreamWalk.IsMessage));
        }

        lock (published)
        {
            // Every message and the room's epoch announcement, in fewer publishes than frames.
            Assert.Equal(Messages + 1, published.Sum(FramesIn));
            Assert.True(published.Count < Messages, $"{published.Count} publishes for {Messages + 1} frames: no call carried two of the room's frames");
        }
    }

    [Fact]
    public async Task During_a_rolling_upgrade_a_node_publishing_one_frame_per_message_and_one_publishing_them_together_feed_the_same_stream()
    {
        var (oldNode, edgeOfOld) = await StartNodeAsync(publishTogether: false);
        var (newNode, edgeOfNew) = await StartNodeAsync(publishTogether: true);
        var room = await fixture.CreateLiveRoomAsync();
        await using var viewerOfOld = await RoomClient.ConnectAsync(fixture.WebSocketUri(edgeOfOld, room.Id), userId: 303);
        await using var viewerOfNew = await RoomClient.ConnectAsync(fixture.WebSocketUri(edgeOfNew, room.Id), userId: 304);

        var seqs = await PublishAllAtOnceAsync(room.Id, [oldNode, newNode]);

        Assert.Equal(Enumerable.Range(1, Messages).Select(i => (long)i), seqs.Order());
        foreach (var viewer in new[] { viewerOfOld, viewerOfNew })
        {
            var seen = await UntilLastAsync(viewer);
            StreamWalk.AssertNoSilentGapOrRepeat(seen, startEpoch: 0, startSeq: 0);
            Assert.Equal(Messages, seen.Count(StreamWalk.IsMessage));
        }
    }

    private async Task<(TestHost Node, TestHost Edge)> StartNodeAsync(bool publishTogether)
    {
        var node = await fixture.StartMessageServiceAsync(overrides: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["Messages:PublishRoomFramesTogether"] = publishTogether ? "true" : "false",
        });
        hosts.Add(node);
        var edge = await fixture.StartEdgeAsync(node);
        hosts.Add(edge);
        return (node, edge);
    }

    /// <summary>Sends "m 1".."m N" without waiting between calls, spread over the nodes in turn; returns the seqs given.</summary>
    private static async Task<long[]> PublishAllAtOnceAsync(long roomId, IReadOnlyList<TestHost> nodes)
    {
        var clients = nodes.Select(n => new Live.V1.MessageService.MessageServiceClient(n.Channel)).ToArray();
        var calls = Enumerable.Range(1, Messages).Select(async i =>
        {
            var reply = await clients[i % clients.Length].PublishAsync(new PublishRequest { RoomId = roomId, Kind = MessageKind.System, Content = $"m {i}" });
            return reply.Seq;
        });
        return await Task.WhenAll(calls);
    }

    /// <summary>What the viewer saw up to the room's last message, whichever of the calls that was.</summary>
    private static async Task<List<ClientEvent>> UntilLastAsync(RoomClient viewer)
    {
        var seen = new List<ClientEvent>();
        await viewer.WaitForAsync(e =>
        {
            seen.Add(e);
            return StreamWalk.IsMessage(e) && e.Seq == Messages;
        }, Patience);
        return seen;
    }

    private static int FramesIn(byte[] published)
    {
        var frames = 0;
        var rest = published.AsSpan();
        while (!rest.IsEmpty)
        {
            Assert.Equal(DecodeStatus.Ok, FrameReader.TryReadMessage(rest, out _, out var consumed));
            rest = rest[consumed..];
            frames++;
        }

        return frames;
    }
}
