using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Live.Protocol;
using Live.Testing;
using Live.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Live.Realtime.Tests;

/// <summary>An Edge reports its audience in a room, and MessageService's window for the busy room follows it (ADR 0017).</summary>
[Collection(RealtimeCollection.Name)]
public sealed class BusyRoomWindowTests(RealtimeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_busy_rooms_window_lengthens_with_the_viewers_an_Edge_holds_and_shortens_when_they_leave()
    {
        var room = await fixture.CreateLiveRoomAsync();
        // 500 frames a second per room per Edge: the 32 to 40 viewers reported make a 64 to 80 ms window, so the longest
        // (60 ms); 4 viewers count as none, so the hot window (40 ms).
        await using var messages = await fixture.StartMessageServiceAsync(overrides: new Dictionary<string, string?>
        {
            ["Messages:BusyRoomFramesPerSecondPerEdge"] = "500",
        });
        await using var edge = await fixture.StartEdgeAsync(messages, new Dictionary<string, string?> { ["Relay:AudienceReportIntervalMs"] = "50" });
        using var windows = new WindowListener(messages);

        var viewers = new List<RoomClient>();
        for (var i = 0; i < 40; i++)
        {
            viewers.Add(await RoomClient.ConnectAsync(fixture.WebSocketUri(edge, room.Id)));
        }

        foreach (var viewer in viewers)
        {
            await viewer.WaitForAsync(e => e.Type == FrameType.Resume, Patience);
        }

        await PublishBurstsUntilAsync(room.Id, windows, window => window == 60, "60");

        foreach (var viewer in viewers[4..])
        {
            await viewer.DisposeAsync();
        }

        windows.Clear();
        await PublishBurstsUntilAsync(room.Id, windows, window => window == 40, "40");

        // Every viewer left got every message, in order, whatever the window.
        var last = await fixture.MessageClient.PublishAsync(new PublishRequest { RoomId = room.Id, Kind = MessageKind.Danmaku, UserId = 9, UserName = "p", Content = "last" });
        foreach (var viewer in viewers[..4])
        {
            var seqs = (await viewer.CollectMessagesAsync((int)last.Seq, Patience)).Select(m => m.Seq);
            Assert.Equal(Enumerable.Range(1, (int)last.Seq).Select(seq => (long)seq), seqs);
            await viewer.DisposeAsync();
        }
    }

    /// <summary>Publishes bursts of busy-room size until the room's window was as <paramref name="expected"/> for a batch.</summary>
    private async Task PublishBurstsUntilAsync(long roomId, WindowListener windows, Func<int, bool> expected, string described)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!windows.Recorded.Any(expected))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no busy batch with a {described} ms window; windows seen: {string.Join(", ", windows.Recorded.Distinct())}");
            await Task.WhenAll(Enumerable.Range(0, 60).Select(i => fixture.MessageClient.PublishAsync(new PublishRequest
            {
                RoomId = roomId, Kind = MessageKind.Danmaku, UserId = 9, UserName = "p", Content = "burst " + i,
            }).ResponseAsync));
            await Task.Delay(100);
        }
    }

    /// <summary>The busy-room windows one MessageService chose, as its histogram recorded them.</summary>
    private sealed class WindowListener : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly ConcurrentQueue<int> recorded = new();

        public WindowListener(TestHost host)
        {
            var factory = host.Services.GetRequiredService<IMeterFactory>();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "live.message.batch.busy_window")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<int>((_, value, _, _) => recorded.Enqueue(value));
            listener.Start();
        }

        public IReadOnlyCollection<int> Recorded => recorded.ToArray();

        public void Clear() => recorded.Clear();

        public void Dispose() => listener.Dispose();
    }
}
