using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Google.Protobuf;
using Live.ServiceDefaults.Data;
using Live.ServiceDefaults.Kafka;
using Live.StatsService;
using Live.StatsService.Data;
using Live.StatsService.Ingest;
using Live.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using StackExchange.Redis;

// Events/s processed by one StatsService: starts the real host (the same StatsServiceApp.Build as production) on
// fresh topics and streams a realistic mix into them as fast as the host keeps up, then reports how many records
// per second it applied and committed. The local broker keeps only about 5 MB per partition (like a retention
// limit), so the producer never runs more than --max-lag records ahead of what the host has committed.
// With --prefill the records are produced before the host starts (at most 200,000, which the broker keeps),
// so the host is timed alone, without the producer competing for the same cores.
// Usage: StatsService.Throughput [--events N] [--rooms N] [--chatters N] [--gift-percent P] [--rate R]
//          [--batch N] [--max-lag N] [--prefill] [--kafka host:port] [--mysql "Server=..."] [--redis host:port]
var events = 1_000_000;
var rooms = 1_000;
var chatters = 200;
var giftPercent = 2.0;
var rate = 100_000;
var batch = 10_000;
var maxLag = 100_000;
var prefill = false;
var kafka = File.Exists(".local/kafka.bootstrap") ? File.ReadAllText(".local/kafka.bootstrap").Trim() : "";
var mysql = "Server=127.0.0.1;Port=13306;User=live;Password=live";
var redisAddress = "127.0.0.1:16379";
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--events": events = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--rooms": rooms = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--chatters": chatters = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--gift-percent": giftPercent = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--rate": rate = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--batch": batch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--max-lag": maxLag = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--prefill": prefill = true; break;
        case "--kafka": kafka = Next(); break;
        case "--mysql": mysql = Next(); break;
        case "--redis": redisAddress = Next(); break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'");
            return 2;
    }
}

if (prefill && events > 200_000)
{
    Console.Error.WriteLine("--prefill keeps to 200,000 events: the local broker keeps only about 5 MB per partition");
    return 2;
}

if (kafka.Length == 0)
{
    Console.Error.WriteLine("no Kafka address: run from the repository root after ./platform up, or pass --kafka");
    return 2;
}

KafkaNativeLibrary.Load();
var run = Guid.NewGuid().ToString("N")[..10];
var topics = new { Messages = "bench-live-messages-" + run, Rooms = "bench-room-events-" + run, Gifts = "bench-gift-events-" + run };
var database = "stats_bench_" + run;
var prefix = $"stats-bench:{run}:";

// 1. The topics: the broker creates a topic (4 partitions) when a producer asks for its metadata.
using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka, LingerMs = 5, QueueBufferingMaxMessages = 200_000 })
    .SetErrorHandler((_, error) => Console.Error.WriteLine($"producer: {error.Reason}"))
    .Build();
using (var admin = new DependentAdminClientBuilder(producer.Handle).Build())
{
    foreach (var topic in new[] { topics.Messages, topics.Rooms, topics.Gifts })
    {
        admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
    }
}

// 2. A fresh database; the host gets its own key prefix and consumer group.
await using (var connection = new MySqlConnection(mysql))
{
    await connection.OpenAsync();
    await new MySqlCommand($"CREATE DATABASE `{database}`", connection).ExecuteNonQueryAsync();
}

var statsConnection = new MySqlConnectionStringBuilder(mysql) { Database = database }.ConnectionString;
var contextOptions = new DbContextOptionsBuilder<StatsDbContext>();
PlatformDatabase.Configure(contextOptions, statsConnection);
await using (var context = new StatsDbContext(contextOptions.Options))
{
    await context.Database.MigrateAsync();
}

var settings = new Dictionary<string, string?>
{
    ["ConnectionStrings:MySql"] = statsConnection,
    ["ConnectionStrings:Redis"] = redisAddress,
    ["Kafka:BootstrapServers"] = kafka,
    ["Services:RoomService"] = "http://127.0.0.1:5101",
    ["Stats:KeyPrefix"] = prefix,
    ["Stats:ConsumerGroup"] = "stats-bench-" + run,
    ["Stats:LiveMessagesTopic"] = topics.Messages,
    ["Stats:RoomEventsTopic"] = topics.Rooms,
    ["Stats:GiftEventsTopic"] = topics.Gifts,
    ["Stats:MaxBatchRecords"] = batch.ToString(CultureInfo.InvariantCulture),
    // Sampling asks RoomService about the bench's made-up rooms; keep it out of the measured window.
    ["Stats:ViewerSampleSeconds"] = "600",
    ["Logging:LogLevel:Default"] = "Warning",
    ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
    ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
};

// 3. Start the real host, then stream the records into its topics and time it through every one.
var app = StatsServiceApp.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
var consumer = app.Services.GetRequiredService<StatsConsumer>();
long producerWaitedMs = 0;
if (prefill)
{
    Stream(null);
}

var redis = await ConnectionMultiplexer.ConnectAsync(redisAddress + ",allowAdmin=true");
var server = redis.GetServer(redis.GetEndPoints()[0]);
await app.StartAsync();
var clock = Stopwatch.StartNew();
var producing = prefill ? Task.CompletedTask : Task.Run(() => Stream(consumer));
var samples = new List<(double Seconds, long Processed)>();
// CPU is counted from the first committed batch on, so start-up (JIT, connections) is left out.
(double Self, double Redis, double MariaDb)? cpuBefore = null;
long processedBefore = 0;
while (consumer.Processed < events)
{
    await Task.Delay(250);
    samples.Add((clock.Elapsed.TotalSeconds, consumer.Processed));
    if (cpuBefore is null && consumer.Processed > 0)
    {
        processedBefore = consumer.Processed;
        cpuBefore = await CpuSecondsAsync();
    }

    if (producing.IsFaulted || clock.Elapsed > TimeSpan.FromMinutes(10))
    {
        Console.Error.WriteLine($"stopped after {clock.Elapsed.TotalSeconds:F0} s with {consumer.Processed:N0} of {events:N0} processed; producer: {producing.Exception?.GetBaseException().Message ?? "running"}");
        break;
    }
}

var total = clock.Elapsed.TotalSeconds;
var processedAll = consumer.Processed;
var cpuAfter = await CpuSecondsAsync();
await app.StopAsync();
await app.DisposeAsync();

var steady = samples.Where(s => s.Processed > events * 0.1 && s.Processed < events * 0.9).ToList();
var steadyRate = steady.Count >= 2 ? (steady[^1].Processed - steady[0].Processed) / (steady[^1].Seconds - steady[0].Seconds) : double.NaN;
Console.WriteLine($"{(prefill ? "prefilled" : "streamed")}: processed {processedAll:N0} records ({rooms:N0} rooms, {chatters} chatters each, {giftPercent}% gifts, event time at {rate:N0}/s) in {total:F1} s");
Console.WriteLine($"overall: {processedAll / total:N0} events/s; steady state (10%..90%): {steadyRate:N0} events/s");
// CPU seconds spent per million records, by process: a cost that does not depend on how busy the shared machine
// was. This process includes the producer unless --prefill; the broker (a separate process) is not counted.
var before = cpuBefore ?? cpuAfter;
var perMillion = 1_000_000.0 / Math.Max(1, processedAll - processedBefore);
Console.WriteLine($"CPU per 1M records: this process {(cpuAfter.Self - before.Self) * perMillion:F1} s, redis-server {(cpuAfter.Redis - before.Redis) * perMillion:F1} s, mariadbd {(cpuAfter.MariaDb - before.MariaDb) * perMillion:F1} s (Redis and MariaDB are shared: upper bounds)");
// Time the producer spent waiting for the host: near the whole run means the host, not the producer, set the pace.
Console.WriteLine($"the producer waited {producerWaitedMs / 1000.0:F1} s of {total:F1} s for the host to catch up");

// 4. Clean up: the bench's Redis keys and database (Kafka topics stay until the broker restarts).
var deleted = 0;
var keys = new List<RedisKey>();
await foreach (var key in server.KeysAsync(pattern: prefix + "*", pageSize: 1_000))
{
    keys.Add(key);
    if (keys.Count == 1_000)
    {
        deleted += (int)await redis.GetDatabase().KeyDeleteAsync([.. keys]);
        keys.Clear();
    }
}

deleted += (int)await redis.GetDatabase().KeyDeleteAsync([.. keys]);
await using (var connection = new MySqlConnection(mysql))
{
    await connection.OpenAsync();
    await new MySqlCommand($"DROP DATABASE `{database}`", connection).ExecuteNonQueryAsync();
}

Console.WriteLine($"cleaned up {deleted:N0} Redis keys and database {database}");
return 0;

// CPU time used so far by this process, the Redis server (INFO cpu) and MariaDB (if it runs on this machine).
async Task<(double Self, double Redis, double MariaDb)> CpuSecondsAsync()
{
    var info = (await server.InfoAsync("cpu")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
    var redisCpu = double.Parse(info["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(info["used_cpu_sys"], CultureInfo.InvariantCulture);
    var mariadb = Process.GetProcessesByName("mariadbd").Sum(p => p.TotalProcessorTime.TotalSeconds);
    return (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, redisCpu, mariadb);
}

// Streams the records: one STARTED event per room, then messages with a share of gifts, event times advancing at
// --rate per second (a live stream), rooms skewed (a few hot ones), senders from each room's own chatters.
void Stream(StatsConsumer? progress)
{
    var random = new Random(42);
    var start = DateTimeOffset.UtcNow.AddSeconds(-(double)events / rate);
    var produced = 0L;

    void Produce(string topic, long room, IMessage value)
    {
        // Stay within what the broker retains ahead of the consumer.
        if (progress is not null && produced - progress.Processed > maxLag)
        {
            var waited = Stopwatch.StartNew();
            while (produced - progress.Processed > maxLag)
            {
                producer.Poll(TimeSpan.FromMilliseconds(5));
            }

            producerWaitedMs += waited.ElapsedMilliseconds;
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
    for (var room = 1; room <= rooms; room++)
    {
        Produce(topics.Rooms, room, new RoomEvent
        {
            EventId = Guid.NewGuid().ToString("N"),
            Type = RoomEventType.Started,
            OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start.AddMinutes(-1)),
            Room = new Room { Id = room, AnchorUserId = 1_000_000 + room, Title = "room " + room, Category = categories[room % categories.Length], Status = RoomStatus.Live },
        });
    }

    var seq = new long[rooms + 1];
    for (var i = rooms; i < events; i++)
    {
        var room = 1 + (int)(rooms * Math.Pow(random.NextDouble(), 3));
        var user = room * 100_000L + random.Next(chatters);
        var at = start.AddMilliseconds(i * 1000.0 / rate).ToUnixTimeMilliseconds();
        if (random.NextDouble() * 100 < giftPercent)
        {
            var count = 1 + random.Next(5);
            Produce(topics.Gifts, room, new GiftEvent
            {
                IdempotencyKey = $"{run}-{i}", LedgerId = i, RoomId = room, SenderUserId = user, AnchorUserId = 1_000_000 + room,
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
}
