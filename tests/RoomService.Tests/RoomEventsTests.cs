using System.Diagnostics;
using System.Globalization;
using System.Text;
using Live.Testing;
using Live.V1;

namespace Live.RoomService.Tests;

public sealed class RoomEventsTests(RoomServiceFixture fixture) : IClassFixture<RoomServiceFixture>
{
    [Fact]
    public async Task Lifecycle_events_reach_room_events_keyed_by_room_with_the_callers_trace()
    {
        // The caller's trace travels in the gRPC request's traceparent header, as from any instrumented client.
        using var caller = new Activity("test caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        var traceId = caller.TraceId;
        var client = fixture.Client;

        var room = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 77, Title = "events", Category = "music" });
        await client.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
        await client.StopLiveAsync(new StopLiveRequest { RoomId = room.Id });
        caller.Stop();

        var key = room.Id.ToString(CultureInfo.InvariantCulture);
        var records = await KafkaTopicReader.ReadAsync("room-events", r => r.Message.Key == key, expected: 3, TimeSpan.FromSeconds(30));

        Assert.Equal(3, records.Count);
        var events = records.Select(r => RoomEvent.Parser.ParseFrom(r.Message.Value)).ToList();
        Assert.Equal([RoomEventType.Created, RoomEventType.Started, RoomEventType.Stopped], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(room.Id, e.Room.Id));
        Assert.Equal(RoomStatus.Ended, events[2].Room.Status);
        Assert.Equal(3, events.Select(e => e.EventId).Distinct().Count());
        Assert.Single(records.Select(r => r.Partition.Value).Distinct());

        foreach (var record in records)
        {
            Assert.True(record.Message.Headers.TryGetLastBytes("traceparent", out var traceparent));
            var parent = Encoding.ASCII.GetString(traceparent);
            Assert.True(ActivityContext.TryParse(parent, null, out var context), parent);
            Assert.Equal(traceId, context.TraceId);
        }
    }
}
