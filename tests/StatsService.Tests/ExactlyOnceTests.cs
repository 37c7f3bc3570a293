using System.Globalization;
using Confluent.Kafka;
using Live.Testing;
using Live.V1;
using MySqlConnector;
using StackExchange.Redis;

namespace Live.StatsService.Tests;

/// <summary>
/// Issue 6's "done when": stopping StatsService mid-stream and restarting it, killing it outright, and
/// re-consuming from an earlier offset leave leaderboards, the ledger and the rollups exactly as one clean pass.
/// </summary>
public sealed class ExactlyOnceTests(StatsEnvironment env) : IClassFixture<StatsEnvironment>
{
    private const int Messages = 6_000;
    private const int GiftEvery = 100;

    [Fact]
    public async Task Stopping_killing_restarting_and_rewinding_leave_the_state_of_one_clean_pass()
    {
        var rooms = new[]
        {
            await env.CreateLiveRoomAsync(1_101, "chat"),
            await env.CreateLiveRoomAsync(1_102, "music"),
            await env.CreateLiveRoomAsync(1_103, "gaming"),
        };
        var senders = Enumerable.Range(0, 8).Select(i => 12_000L + i).ToArray();
        foreach (var sender in senders)
        {
            await env.GiftClient.CreditWalletAsync(new CreditWalletRequest { UserId = sender, Amount = 1_000_000, IdempotencyKey = $"credit-{env.Suffix}-{sender}" });
        }

        var store = await env.NewStoreAsync();
        var random = new Random(6);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var produced = new Dictionary<long, long>();
        var stream = Task.Run(async () =>
        {
            for (var i = 0; i < Messages; i++)
            {
                var room = rooms[random.Next(rooms.Length)];
                // Spread over the last three minutes, so the rollups have several minutes per room.
                env.ProduceMessage(room.Id, i + 1, 20_000 + random.Next(300), now - random.Next(180_000));
                produced[room.Id] = produced.GetValueOrDefault(room.Id) + 1;
                if (i % GiftEvery == 0)
                {
                    env.Flush();
                    await env.GiftClient.SendGiftAsync(new SendGiftRequest
                    {
                        IdempotencyKey = $"stream-{env.Suffix}-{i}",
                        RoomId = room.Id,
                        SenderUserId = senders[random.Next(senders.Length)],
                        GiftId = 1 + random.Next(4),
                        Count = 1 + random.Next(3),
                    });
                    await Task.Delay(20);
                }
            }

            env.Flush();
        });

        // 1. A graceful stop mid-stream, then a restart.
        var first = await env.StartStatsAsync(store);
        await WaitForProgressAsync(store, atLeast: 500);
        await first.DisposeAsync();
        first.Logs.AssertNoErrors();

        // 2. A kill mid-stream: effects of the last batch may be applied without their offsets committed.
        var process = ServiceProcess.Start("StatsService", "Live.StatsService", env.StatsSettings(store));
        var before = await TotalAppliedAsync(store);
        await WaitForProgressAsync(store, atLeast: before + 1_000);
        await process.KillAsync();
        await process.DisposeAsync();

        // 3. Restart and let it finish the stream.
        var second = await env.StartStatsAsync(store);
        await stream;
        await env.WaitCaughtUpAsync(store, TimeSpan.FromSeconds(120));
        await WaitCommittedAsync(store.ConsumerGroup);
        await second.DisposeAsync();
        second.Logs.AssertNoErrors();
        var afterStream = await SnapshotAsync(store, rooms);

        // 4. Re-consume everything from offset 0: a new consumer group on the same store starts at the earliest
        // offsets, exactly as a rewound group would (the watermarks belong to the store, not to the group).
        var rewound = store with { ConsumerGroup = store.ConsumerGroup + "-rewound" };
        await using (var third = await env.StartStatsAsync(rewound))
        {
            await WaitCommittedAsync(rewound.ConsumerGroup);
            third.Logs.AssertNoErrors();
        }

        var afterRewind = await SnapshotAsync(store, rooms);

        // 5. One clean pass over the same topics into a fresh store.
        var clean = await env.NewStoreAsync();
        await using (var reference = await env.StartStatsAsync(clean))
        {
            await env.WaitCaughtUpAsync(clean, TimeSpan.FromSeconds(120));
            reference.Logs.AssertNoErrors();
        }

        var cleanPass = await SnapshotAsync(clean, rooms);
        Assert.Equal(cleanPass, afterStream);
        Assert.Equal(cleanPass, afterRewind);

        // And the clean pass is right: every message once, every ledger row once.
        var ledger = await LedgerValueByRoomAsync();
        foreach (var room in rooms)
        {
            Assert.Contains($"room {room.Id} msgs={produced[room.Id]} gifts={ledger[room.Id]}", cleanPass);
        }

        Assert.Equal(Messages, await RollupMessagesAsync(clean));
    }

    private static async Task WaitForProgressAsync(StatsStore store, long atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await TotalAppliedAsync(store) < atLeast)
        {
            Assert.True(DateTime.UtcNow < deadline, $"StatsService applied fewer than {atLeast} records in 60 s");
            await Task.Delay(20);
        }
    }

    private static async Task<long> TotalAppliedAsync(StatsStore store) => (await store.AppliedOffsetsAsync()).Values.Sum(o => o + 1);

    /// <summary>Waits until the group's committed offsets reach the end of every partition.</summary>
    private async Task WaitCommittedAsync(string group)
    {
        var ends = env.EndOffsets();
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = TestEnvironment.Kafka, GroupId = group }).Build();
        var partitions = ends.Keys.Select(k => new TopicPartition(k.Topic, k.Partition)).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
            if (committed.All(c => c.Offset.Value >= ends[(c.Topic, c.Partition.Value)]))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the consumer group did not commit up to the end of the topics: "
                + string.Join(", ", committed.Select(c => $"{c.Topic}[{c.Partition.Value}] {c.Offset.Value}/{ends[(c.Topic, c.Partition.Value)]}")));
            await Task.Delay(100);
        }
    }

    /// <summary>Leaderboards, per-room totals and rollups of a store, as comparable lines.</summary>
    private async Task<List<string>> SnapshotAsync(StatsStore store, Room[] rooms)
    {
        var lines = new List<string>();
        var db = env.Redis;
        foreach (var room in rooms)
        {
            var key = store.KeyPrefix + "r:" + room.Id.ToString(CultureInfo.InvariantCulture);
            var totals = await db.HashGetAsync(key, ["msgs", "gv", "gc"]);
            lines.Add($"room {room.Id} msgs={totals[0]} gifts={totals[1]}");
            lines.Add($"room {room.Id} gift count={totals[2]}");
            foreach (var entry in await db.SortedSetRangeByRankWithScoresAsync(store.KeyPrefix + "lb:r:" + room.Id.ToString(CultureInfo.InvariantCulture), 0, -1, Order.Descending))
            {
                lines.Add($"room {room.Id} gifter {entry.Element}={entry.Score}");
            }
        }

        foreach (var entry in await db.SortedSetRangeByRankWithScoresAsync(store.KeyPrefix + "lb:a", 0, -1, Order.Descending))
        {
            lines.Add($"anchor {entry.Element}={entry.Score}");
        }

        lines.AddRange(await store.RollupsAsync());
        return lines;
    }

    private async Task<Dictionary<long, long>> LedgerValueByRoomAsync()
    {
        await using var connection = new MySqlConnection(env.GiftsConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"SELECT room_id, SUM(total_value) FROM gift_ledger WHERE idempotency_key LIKE 'stream-{env.Suffix}-%' GROUP BY room_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var sums = new Dictionary<long, long>();
        while (await reader.ReadAsync())
        {
            sums[reader.GetInt64(0)] = reader.GetInt64(1);
        }

        return sums;
    }

    private static async Task<long> RollupMessagesAsync(StatsStore store)
    {
        await using var connection = new MySqlConnection(store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT SUM(messages) FROM room_minute_rollups", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
