using Live.Protocol;

namespace Live.Realtime.Tests;

/// <summary>
/// A room big enough for the parallel fan-out (the fixture lowers the threshold to a few connections, over three
/// writer shards): while viewers join and leave during traffic, every viewer gets every message after its join
/// point once and in order, and the ones that stayed get all of them.
/// </summary>
[Collection(RealtimeCollection.Name)]
public sealed class ShardedFanoutTests(RealtimeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Viewers_joining_and_leaving_during_traffic_never_see_a_gap_or_a_repeat()
    {
        const int messages = 300;
        var room = await fixture.CreateLiveRoomAsync();
        var stayers = new List<RoomClient>();
        for (var i = 0; i < 4 * RealtimeFixture.ParallelFanoutMinConnections; i++)
        {
            stayers.Add(await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id), userId: i == 0 ? 700 : null));
        }

        var starts = new List<ClientEvent>();
        foreach (var viewer in stayers)
        {
            starts.Add(await viewer.WaitForAsync(e => e.Type == FrameType.Resume, Patience));
        }

        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < messages; i++)
            {
                await stayers[0].SendDanmakuAsync($"m{i}");
                // Under the fixture's 200 frames per second per connection.
                await Task.Delay(8);
            }
        });

        // Join and leave while the messages flow; the joiners kept are walked from their own join points.
        var joiners = new List<(RoomClient Client, ClientEvent Start)>();
        var churn = new Random(42);
        while (!sending.IsCompleted)
        {
            var joiner = await RoomClient.ConnectAsync(fixture.WebSocketUri(fixture.EdgeA, room.Id));
            var start = await joiner.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
            if (churn.Next(3) == 0)
            {
                await joiner.DisposeAsync();
            }
            else
            {
                joiners.Add((joiner, start));
            }

            await Task.Delay(churn.Next(5, 30));
        }

        await sending;
        Assert.NotEmpty(joiners);
        for (var i = 0; i < stayers.Count; i++)
        {
            var seen = await stayers[i].CollectMessagesAsync(messages, Patience);
            Assert.Equal(messages, seen.Count);
            StreamWalk.AssertNoSilentGapOrRepeat(seen, starts[i].Epoch, starts[i].Seq);
        }

        foreach (var (joiner, start) in joiners)
        {
            var expected = (int)(starts[0].Seq + messages - start.Seq);
            var seen = await joiner.CollectMessagesAsync(expected, Patience);
            Assert.Equal(expected, seen.Count);
            StreamWalk.AssertNoSilentGapOrRepeat(seen, start.Epoch, start.Seq);
        }

        foreach (var client in stayers.Concat(joiners.Select(j => j.Client)))
        {
            Assert.DoesNotContain(await client.DrainAsync(TimeSpan.FromMilliseconds(100)), StreamWalk.IsMessage);
            await client.DisposeAsync();
        }
    }
}
