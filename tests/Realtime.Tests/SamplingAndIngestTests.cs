using Grpc.Core;
using Live.MessageService.Fanout;
using Live.V1;

namespace Live.Realtime.Tests;

[Collection(RealtimeCollection.Name)]
public sealed class SamplingAndIngestTests(RealtimeFixture fixture)
{
    [Fact]
    public void The_sampler_keeps_the_display_rate_and_spreads_what_it_keeps()
    {
        const long frequency = 1_000;
        var sampler = new DisplaySampler(ratePerSecond: 100, startTimestamp: 0, timestampFrequency: frequency);

        // A full bucket (one second of rate) on the first batch, then rate × elapsed per batch.
        Assert.Equal(100, sampler.Budget(500, 0));
        Assert.Equal(2, sampler.Budget(500, 20));
        Assert.Equal(2, sampler.Budget(2, 40));
        Assert.Equal(0, sampler.Budget(0, 60));
        Assert.Equal(100, sampler.Budget(1_000, 5_000));

        var kept = Enumerable.Range(0, 100).Where(i => DisplaySampler.Keeps(i, 100, 10)).ToList();
        Assert.Equal(10, kept.Count);
        Assert.All(kept.Zip(kept.Skip(1)), pair => Assert.Equal(10, pair.Second - pair.First));
        Assert.All(Enumerable.Range(0, 7), i => Assert.True(DisplaySampler.Keeps(i, 7, 7)));
    }

    [Fact]
    public async Task Publish_checks_the_room_and_the_content()
    {
        var live = await fixture.CreateLiveRoomAsync();
        var idle = await fixture.RoomClient.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = "idle", Category = "chat" });
        var client = fixture.MessageClient;

        await AssertStatusAsync(StatusCode.NotFound, "does not exist", client.PublishAsync(Message(999_999_999_999)));
        await AssertStatusAsync(StatusCode.FailedPrecondition, "not live", client.PublishAsync(Message(idle.Id)));
        await AssertStatusAsync(StatusCode.InvalidArgument, "room_id", client.PublishAsync(Message(0)));
        // One set of content rules for every message (moderation's): 100 Unicode scalars, allowed colours, no control characters.
        await AssertStatusAsync(StatusCode.InvalidArgument, "must not be empty", client.PublishAsync(Message(live.Id, content: " ")));
        await AssertStatusAsync(StatusCode.InvalidArgument, "longer than 100", client.PublishAsync(Message(live.Id, content: new string('x', 101))));
        await AssertStatusAsync(StatusCode.InvalidArgument, "is not allowed", client.PublishAsync(Message(live.Id, color: "#12345g")));
        await AssertStatusAsync(StatusCode.InvalidArgument, "control characters", client.PublishAsync(Message(live.Id, content: "bell\u0007")));
        await AssertStatusAsync(StatusCode.InvalidArgument, "kind", client.PublishAsync(Message(live.Id, kind: MessageKind.Unspecified)));

        var first = await client.PublishAsync(Message(live.Id, content: string.Concat(Enumerable.Repeat("😀", 100)), color: "#fe0302"));
        var second = await client.PublishAsync(Message(live.Id, kind: MessageKind.System));
        Assert.Equal(1, first.Seq);
        Assert.Equal(2, second.Seq);

        // Stopping the room is noticed within the status cache's TTL.
        await fixture.RoomClient.StopLiveAsync(new StopLiveRequest { RoomId = live.Id });
        await Task.Delay(400);
        await AssertStatusAsync(StatusCode.FailedPrecondition, "not live", client.PublishAsync(Message(live.Id)));
    }

    [Fact]
    public async Task A_user_publishes_danmaku_as_themself_only_and_relays_are_for_edges()
    {
        var live = await fixture.CreateLiveRoomAsync();
        var asUser = new Metadata();
        foreach (var (name, value) in RealtimeFixture.SignedIdentity("/live.v1.MessageService/Publish", 55, "五十五"))
        {
            asUser.Add(name, value);
        }

        var client = fixture.MessageClient;
        await AssertStatusAsync(StatusCode.PermissionDenied, "not the caller", client.PublishAsync(Message(live.Id) , asUser));
        await AssertStatusAsync(StatusCode.PermissionDenied, "published by services", client.PublishAsync(Message(live.Id, kind: MessageKind.Gift, userId: 55), asUser));

        var own = await client.PublishAsync(Message(live.Id, userId: 0), asUser);
        var history = await client.GetHistoryAsync(new GetHistoryRequest { RoomId = live.Id, AfterSeq = own.Seq - 1, Limit = 1 });
        Assert.Equal((55L, "五十五"), (history.Messages[0].UserId, history.Messages[0].UserName));

        var relayHeaders = new Metadata();
        foreach (var (name, value) in RealtimeFixture.SignedIdentity("/live.v1.MessageService/Relay", 55, "x"))
        {
            relayHeaders.Add(name, value);
        }

        using var relay = client.Relay(relayHeaders);
        var error = await Assert.ThrowsAsync<RpcException>(() => relay.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    private static PublishRequest Message(long roomId, string content = "hello", string color = "", MessageKind kind = MessageKind.Danmaku, long userId = 3) =>
        new() { RoomId = roomId, Kind = kind, UserId = userId, UserName = "bot", Content = content, Color = color };

    private static async Task AssertStatusAsync(StatusCode code, string detail, AsyncUnaryCall<PublishResponse> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(code, error.StatusCode);
        Assert.Contains(detail, error.Status.Detail);
    }
}
