using Google.Protobuf.WellKnownTypes;
using Live.V1;

namespace Live.StatsService.Tests;

/// <summary>
/// A message a moderator deleted comes to live-messages as a DELETE record; StatsService takes the message back
/// from the rates and the per-minute history exactly once, and only if it counted it.
/// </summary>
public sealed class DeletedMessageTests(StatsEnvironment env) : IClassFixture<StatsEnvironment>
{
    [Fact]
    public async Task A_deleted_message_is_taken_back_once_and_deletes_of_messages_never_counted_change_nothing()
    {
        var room = await env.CreateLiveRoomAsync(811, "chat");
        var store = await env.NewStoreAsync();
        await using var host = await env.StartStatsAsync(store);
        var client = new StatsServiceClient(host.Channel);

        // 60 messages from 10 senders within the last 30 seconds, and a system notice (not counted).
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long TimeOf(int seq) => now - 30_000 + (seq - 1) * 400;
        for (var seq = 1; seq <= 60; seq++)
        {
            env.ProduceMessage(room.Id, seq, 8_500 + seq % 10, TimeOf(seq));
        }

        env.ProduceMessage(room.Id, 61, 0, now - 5_000, MessageKind.System);

        // Two counted messages deleted, one of them in two records (as a producer's retry can leave it); the
        // system notice and a seq that was never sent deleted too.
        ProduceDelete(room.Id, 5, 8_505, TimeOf(5));
        ProduceDelete(room.Id, 5, 8_505, TimeOf(5));
        ProduceDelete(room.Id, 30, 8_500, TimeOf(30));
        ProduceDelete(room.Id, 61, 0, now - 5_000);
        ProduceDelete(room.Id, 999, 8_501, TimeOf(10));
        env.Flush();
        await env.WaitCaughtUpAsync(store, TimeSpan.FromSeconds(60));

        var stats = await Eventually.ReadAsync(() => client.GetRoomStatsAsync(new GetRoomStatsRequest { RoomId = room.Id }).ResponseAsync,
            s => Math.Abs(s.MessagesPerSecond1M - 58 / 60.0) < 1e-9);
        Assert.Equal(58 / 60.0, stats.MessagesPerSecond1M, 6);
        Assert.Equal(10, stats.UniqueSenders1H);

        var to = DateTimeOffset.UtcNow.AddMinutes(1);
        var history = await Eventually.ReadAsync(
            () => client.GetRoomHistoryAsync(new GetRoomHistoryRequest { RoomId = room.Id, From = Timestamp.FromDateTimeOffset(to.AddMinutes(-10)), To = Timestamp.FromDateTimeOffset(to) }).ResponseAsync,
            h => h.Minutes.Sum(m => m.Messages) == 58);
        Assert.Equal(58, history.Minutes.Sum(m => m.Messages));
    }

    private void ProduceDelete(long roomId, long seq, long senderUserId, long messageTimeMs) =>
        env.Produce(env.LiveMessagesTopic, roomId, new RoomMessage
        {
            RoomId = roomId,
            Seq = seq,
            UserId = senderUserId,
            Kind = MessageKind.Delete,
            TimestampMs = messageTimeMs,
        });
}
