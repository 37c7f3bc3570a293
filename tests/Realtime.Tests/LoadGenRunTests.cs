using Live.Tools.LoadGen;

namespace Live.Realtime.Tests;

/// <summary>
/// The load generator's own path against the real Edge: a few binary-protocol viewers, two of them sending
/// with signed identity, every message reaching every viewer with latency accounted. Heavy loads live in
/// perf/run-benchmarks.sh, not here.
/// </summary>
[Collection(RealtimeCollection.Name)]
public sealed class LoadGenRunTests(RealtimeFixture fixture)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_small_run_delivers_every_message_to_every_viewer(bool compress)
    {
        var room = await fixture.CreateLiveRoomAsync();
        var options = new LoadOptions
        {
            Edge = new Uri($"ws://127.0.0.1:{fixture.EdgeA.HttpAddress.Port}"),
            RoomIds = [room.Id],
            Viewers = 6,
            Senders = 2,
            Rate = 40,
            WarmupSeconds = 1,
            DurationSeconds = 3,
            Compress = compress,
            ContentBytes = 90,
            ProxySecret = RealtimeFixture.ProxySecret,
        };

        var report = await LoadRun.RunAsync(options, TextWriter.Null, CancellationToken.None);

        // Correctness only: latency depends on what else the machine runs, so "sustained" is not asserted, and
        // warm-up messages that arrive late may land in the 3 s window.
        var summary = report.Summary;
        Assert.True(summary.DeliveryRatio is > 0.7 and < 1.5, LoadRun.Describe(report));
        Assert.Equal(6, summary.ViewersLive);
        Assert.InRange(summary.SentPerSecond, 36, 44);
        Assert.Equal(0, summary.Lost);
        Assert.Equal(0, summary.MalformedFrames);
        Assert.Empty(summary.ErrorFrames);
        Assert.Empty(summary.Closes);
        Assert.Equal(summary.Deliveries, summary.DeliveryLatencyMs.Count);
        Assert.Equal(summary.Deliveries, summary.EndToEndLatencyMs.Count);
        Assert.InRange(summary.DeliveryLatencyMs.P50, 0, 1_000);
    }
}
