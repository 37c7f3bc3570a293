using System.Diagnostics;
using Live.Edge.Relay;
using Live.MessageService;
using Live.MessageService.Fanout;
using Live.MessageService.Relay;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Live.Realtime.Unit.Tests;

/// <summary>A busy room's batch window follows its largest audience on one Edge (ADR 0017), and Edges report audiences in steps.</summary>
public sealed class BusyRoomWindowTests : IDisposable
{
    private readonly TestMeterFactory meters = new();
    private readonly MessageMetrics metrics;
    private readonly MessageOptions options = new();
    private readonly FakeTimeProvider clock = new();

    public BusyRoomWindowTests() => metrics = new MessageMetrics(meters);

    [Theory]
    [InlineData(0, 40)]
    [InlineData(500, 40)]
    [InlineData(1_000, 40)]
    [InlineData(1_200, 48)]
    [InlineData(1_500, 60)]
    [InlineData(19_000, 60)]
    public void With_the_defaults_the_window_is_the_audience_over_25000_frames_a_second_between_40_and_60_ms(int audience, int windowMs) =>
        Assert.Equal(windowMs, FeedFlusher.BusyRoomWindowMs(audience, options));

    [Fact]
    public void A_busy_room_waits_for_the_window_of_its_largest_Edge_audience_and_a_quiet_batch_does_not()
    {
        using var feed = new RoomFeed(TestFrames.RoomId, new DisplaySampler(100_000, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);
        using var small = Subscribe(feed, audience: 300);
        using var large = Subscribe(feed, audience: 1_500);
        using var flusher = new FeedFlusher(options, metrics, clock);

        Append(feed, from: 1, count: options.HotBatchMessages);
        flusher.Flush(feed);
        Append(feed, from: 1 + options.HotBatchMessages, count: 1);

        // 60 ms for 1,500 viewers, held until half a 20 ms tick before its end.
        Assert.False(feed.IsDue(clock.GetTimestamp() + Ticks(49), options.MaxBatchBytes));
        Assert.True(feed.IsDue(clock.GetTimestamp() + Ticks(50), options.MaxBatchBytes));

        clock.Advance(TimeSpan.FromMilliseconds(50));
        flusher.Flush(feed);
        Append(feed, from: 2 + options.HotBatchMessages, count: 1);
        Assert.True(feed.IsDue(clock.GetTimestamp(), options.MaxBatchBytes));
    }

    [Fact]
    public void A_busy_room_no_Edge_reported_an_audience_for_keeps_the_hot_window()
    {
        using var feed = new RoomFeed(TestFrames.RoomId, new DisplaySampler(100_000, Stopwatch.GetTimestamp(), Stopwatch.Frequency), maxHeldBytes: 64 * 1024);
        using var silent = Subscribe(feed, audience: 0);
        using var flusher = new FeedFlusher(options, metrics, clock);

        Append(feed, from: 1, count: 3 * options.HotBatchMessages);
        flusher.Flush(feed);
        Append(feed, from: 1 + 3 * options.HotBatchMessages, count: 1);

        // 40 ms, held until half a 20 ms tick before its end, as before Edges reported audiences.
        Assert.False(feed.IsDue(clock.GetTimestamp() + Ticks(29), options.MaxBatchBytes));
        Assert.True(feed.IsDue(clock.GetTimestamp() + Ticks(30), options.MaxBatchBytes));
    }

    [Theory]
    [InlineData(0, 31, null)]
    [InlineData(0, 32, 32)]
    [InlineData(40, 36, null)]
    [InlineData(40, 35, 35)]
    [InlineData(40, 31, 0)]
    [InlineData(0, 0, null)]
    [InlineData(1_000, 1_124, null)]
    [InlineData(1_000, 1_125, 1_125)]
    [InlineData(1_000, 875, 875)]
    public void An_Edge_reports_an_audience_of_32_or_more_when_it_moved_by_an_eighth_and_none_below(int reported, int connections, int? reports) =>
        Assert.Equal(reports, RelayStream.AudienceToReport(reported, connections));

    public void Dispose() => meters.Dispose();

    private EdgeSession Subscribe(RoomFeed feed, int audience)
    {
        var session = new EdgeSession(16, metrics, NullLogger.Instance, CancellationToken.None, CancellationToken.None);
        session.Rooms.Add(feed.RoomId);
        session.ReportAudience(feed.RoomId, audience);
        feed.AddSubscriber(session);
        return session;
    }

    private static void Append(RoomFeed feed, int from, int count)
    {
        for (var seq = from; seq < from + count; seq++)
        {
            feed.Append(TestFrames.Message(FrameType.Danmaku, seq, "m" + seq), seq, isPriority: false, out _, out _, out _);
        }
    }

    private long Ticks(int milliseconds) => milliseconds * clock.TimestampFrequency / 1000;
}
