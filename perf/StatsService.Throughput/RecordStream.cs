using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Google.Protobuf;
using Live.V1;

namespace Live.StatsService.Throughput;

/// <summary>The benchmark's topics, named after its run id.</summary>
public sealed record BenchTopics(string Run)
{
    public string Messages => "bench-live-messages-" + Run;
    public string Rooms => "bench-room-events-" + Run;
    public string Gifts => "bench-gift-events-" + Run;
}

/// <summary>The stream's shape: --events, --rooms, --chatters, --gift-percent, --rate.</summary>
public sealed record Workload(int Events, int Rooms, int Chatters, double GiftPercent, int Rate);

/// <summary>
/// Produces the stream: one STARTED event per room, then messages with a share of gifts, event times advancing at
/// <see cref="Workload.Rate"/> per second (a live stream), rooms skewed (a few hot ones), senders from each room's
/// own chatters. Runs in a process of its own (<c>--produce</c>), so the host's process CPU is the host's alone.
/// </summary>
public static class RecordStream
{
    /// <summary>
    /// Produces every record, never more than <paramref name="maxLag"/> ahead of <paramref name="processed"/>
    /// (null: no bound); returns how long it was held back.
    /// </summary>
    public static TimeSpan Produce(string kafka, BenchTopics topics, Workload workload, Func<long>? processed, int maxLag)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka, LingerMs = 5, QueueBufferingMaxMessages = 200_000 })
            .SetErrorHandler((_, error) => Console.Error.WriteLine($"producer: {error.Reason}"))
            .Build();
        var random = new Random(42);
        var start = DateTimeOffset.UtcNow.AddSeconds(-(double)workload.Events / workload.Rate);
        var produced = 0L;
        var waited = TimeSpan.Zero;

        void Produce(string topic, long room, IMessage value)
        {
            // Stay within what the broker retains ahead of the consumer.
            if (processed is not null && produced - processed() > maxLag)
            {
                var waiting = Stopwatch.GetTimestamp();
                while (produced - processed() > maxLag)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                }

                waited += Stopwatch.GetElapsedTime(waiting);
            }

            var message = new Message<string, byte[]> { Key = room.ToString(CultureInfo.InvariantCulture), Value = value.ToByteArray() };
            while (true)
            {
                try
                {
                    producer.Produce(topic, message);
                    produced++;
                    return;
                }
                catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(20));
                }
            }
        }

        string[] categories = ["chat", "gaming", "music", "sports", "education", "outdoor", "shopping"];
        for (var room = 1; room <= workload.Rooms; room++)
        {
            Produce(topics.Rooms, room, new RoomEvent
            {
                EventId = Guid.NewGuid().ToString("N"),
                Type = RoomEventType.Started,
                OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start.AddMinutes(-1)),
                Room = new Room { Id = room, AnchorUserId = 1_000_000 + room, Title = "room " + room, Category = categories[room % categories.Length], Status = RoomStatus.Live },
            });
        }

        var seq = new long[workload.Rooms + 1];
        for (var i = workload.Rooms; i < workload.Events; i++)
        {
            var room = 1 + (int)(workload.Rooms * Math.Pow(random.NextDouble(), 3));
            var user = room * 100_000L + random.Next(workload.Chatters);
            var at = start.AddMilliseconds(i * 1000.0 / workload.Rate).ToUnixTimeMilliseconds();
            if (random.NextDouble() * 100 < workload.GiftPercent)
            {
                var count = 1 + random.Next(5);
                Produce(topics.Gifts, room, new GiftEvent
                {
                    IdempotencyKey = $"{topics.Run}-{i}", LedgerId = i, RoomId = room, SenderUserId = user, AnchorUserId = 1_000_000 + room,
                    GiftId = 2, GiftName = "Heart", Tier = GiftTier.Common, Count = count, UnitPrice = 5, TotalValue = 5 * count, SentAtMs = at,
                });
            }
            else
            {
                Produce(topics.Messages, room, new RoomMessage
                {
                    RoomId = room, Seq = ++seq[room], UserId = user, UserName = "viewer" + user, Content = "666 nice play", Kind = MessageKind.Danmaku, TimestampMs = at,
                });
            }
        }

        producer.Flush(TimeSpan.FromMinutes(5));
        return waited;
    }

    /// <summary>
    /// The child process's side (<c>--produce</c>): reads the host's processed count, one number a line, from
    /// stdin; writes "produced {ms held back}" when done; exits when stdin closes, so the parent can read its CPU
    /// time until then.
    /// </summary>
    public static int RunChild(string kafka, BenchTopics topics, Workload workload, int maxLag, bool bounded)
    {
        long processed = 0;
        var reader = new Thread(() =>
        {
            while (Console.In.ReadLine() is { } line)
            {
                Volatile.Write(ref processed, long.Parse(line, CultureInfo.InvariantCulture));
            }

            Volatile.Write(ref processed, long.MaxValue / 2);
        }) { IsBackground = true };
        reader.Start();
        var waited = Produce(kafka, topics, workload, bounded ? () => Volatile.Read(ref processed) : null, maxLag);
        Console.Out.WriteLine(FormattableString.Invariant($"produced {waited.TotalMilliseconds:F0}"));
        Console.Out.Flush();
        reader.Join();
        return 0;
    }
}
