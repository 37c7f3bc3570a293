using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Live.Data;
using Live.Kafka;
using Live.StatsService;
using Live.StatsService.Data;
using Live.StatsService.Ingest;
using Live.StatsService.Throughput;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using StackExchange.Redis;

// Events/s processed by one StatsService: starts the real host (the same StatsServiceApp.Build as production) on
// fresh topics and streams a realistic mix into them as fast as the host keeps up, then reports how many records
// per second it applied and committed. The producer is a second process (this tool with --produce), so this
// process's CPU is the host's alone and the producer's is reported beside it. The local broker keeps only about
// 5 MB per partition (like a retention limit), so the producer never runs more than --max-lag records ahead of
// what the host has committed (this process tells it that count through its stdin).
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
var produceOnly = false;
var run = Guid.NewGuid().ToString("N")[..10];
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
        case "--produce": produceOnly = true; break;
        case "--run": run = Next(); break;
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
var topics = new BenchTopics(run);
var workload = new Workload(events, rooms, chatters, giftPercent, rate);
if (produceOnly)
{
    return RecordStream.RunChild(kafka, topics, workload, maxLag, bounded: !prefill);
}

var database = "stats_bench_" + run;
var prefix = $"stats-bench:{run}:";
Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()} ({Environment.ProcessorCount} cores)");

// 1. The topics: the broker creates a topic (4 partitions) when a producer asks for its metadata.
using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = kafka }).Build())
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
var stages = new StageTimes();
using var stageListener = stages.Listen();
using var producerProcess = StartProducer();
var producerDone = ReadProducerReportAsync(producerProcess);
if (prefill)
{
    await producerDone;
}

var redis = await ConnectionMultiplexer.ConnectAsync(redisAddress + ",allowAdmin=true");
var server = redis.GetServer(redis.GetEndPoints()[0]);
await app.StartAsync();
var clock = Stopwatch.StartNew();
using var feeding = new CancellationTokenSource();
var feeder = prefill ? Task.CompletedTask : FeedProgressAsync(feeding.Token);
var samples = new List<(double Seconds, long Processed)>();
// CPU and stage times are counted from the first committed batch on, so start-up (JIT, connections) is left out.
(double Self, double Producer, double Redis, double MariaDb, double Broker)? cpuBefore = null;
long processedBefore = 0;
while (consumer.Processed < events)
{
    await Task.Delay(250);
    samples.Add((clock.Elapsed.TotalSeconds, consumer.Processed));
    if (cpuBefore is null && consumer.Processed > 0)
    {
        processedBefore = consumer.Processed;
        cpuBefore = await CpuSecondsAsync();
        stages.Reset();
    }

    if ((producerProcess.HasExited && producerProcess.ExitCode != 0) || clock.Elapsed > TimeSpan.FromMinutes(10))
    {
        Console.Error.WriteLine($"stopped after {clock.Elapsed.TotalSeconds:F0} s with {consumer.Processed:N0} of {events:N0} processed; producer {(producerProcess.HasExited ? "exited" : "running")}");
        break;
    }
}

var total = clock.Elapsed.TotalSeconds;
var processedAll = consumer.Processed;
var cpuAfter = await CpuSecondsAsync();
var stageSummary = stages.Summary();
await feeding.CancelAsync();
await feeder;
producerProcess.StandardInput.Close();
var producerWaited = await producerDone;
await producerProcess.WaitForExitAsync();
await app.StopAsync();
await app.DisposeAsync();

var steady = samples.Where(s => s.Processed > events * 0.1 && s.Processed < events * 0.9).ToList();
var steadyRate = steady.Count >= 2 ? (steady[^1].Processed - steady[0].Processed) / (steady[^1].Seconds - steady[0].Seconds) : double.NaN;
Console.WriteLine($"{(prefill ? "prefilled" : "streamed")}: processed {processedAll:N0} records ({rooms:N0} rooms, {chatters} chatters each, {giftPercent}% gifts, event time at {rate:N0}/s) in {total:F1} s");
Console.WriteLine($"overall: {processedAll / total:N0} events/s; steady state (10%..90%): {steadyRate:N0} events/s");
// CPU seconds spent per million records, by process: a cost that does not depend on how busy the shared machine
// was. The producer and the broker are processes of their own, reported beside the host.
var before = cpuBefore ?? cpuAfter;
var perMillion = 1_000_000.0 / Math.Max(1, processedAll - processedBefore);
Console.WriteLine($"CPU per 1M records: StatsService (this process) {(cpuAfter.Self - before.Self) * perMillion:F1} s, redis-server {(cpuAfter.Redis - before.Redis) * perMillion:F1} s, "
    + $"mariadbd {(cpuAfter.MariaDb - before.MariaDb) * perMillion:F1} s (Redis and MariaDB are shared: upper bounds); "
    + $"producer process {(prefill ? "not running" : $"{(cpuAfter.Producer - before.Producer) * perMillion:F1} s")}, "
    + $"broker (KafkaMock) {(cpuAfter.Broker - before.Broker) * perMillion:F1} s");
Console.WriteLine(stageSummary);
// Time the producer spent waiting for the host: near the whole run means the host, not the producer, set the pace.
if (!prefill)
{
    Console.WriteLine($"the producer waited {producerWaited.TotalSeconds:F1} s of {total:F1} s for the host to catch up");
}

Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");

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

// CPU time used so far by this process, the producer process, the Redis server (INFO cpu), and MariaDB and the
// local broker if they run on this machine.
async Task<(double Self, double Producer, double Redis, double MariaDb, double Broker)> CpuSecondsAsync()
{
    var info = (await server.InfoAsync("cpu")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
    var redisCpu = double.Parse(info["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(info["used_cpu_sys"], CultureInfo.InvariantCulture);
    var mariadb = Process.GetProcessesByName("mariadbd").Sum(p => p.TotalProcessorTime.TotalSeconds);
    producerProcess.Refresh();
    var broker = Process.GetProcessesByName("dotnet").Where(IsKafkaMock).Sum(p => p.TotalProcessorTime.TotalSeconds);
    return (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, producerProcess.TotalProcessorTime.TotalSeconds, redisCpu, mariadb, broker);
}

static bool IsKafkaMock(Process process)
{
    try
    {
        return File.ReadAllText($"/proc/{process.Id}/cmdline").Contains("KafkaMock", StringComparison.Ordinal);
    }
    catch (IOException)
    {
        return false;
    }
}

// This tool again, as the producer: same workload and run id.
Process StartProducer()
{
    var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
    {
        info.ArgumentList.Add(typeof(RecordStream).Assembly.Location);
    }

    string[] arguments =
    [
        "--produce", "--run", run, "--kafka", kafka, "--max-lag", maxLag.ToString(CultureInfo.InvariantCulture),
        "--events", events.ToString(CultureInfo.InvariantCulture), "--rooms", rooms.ToString(CultureInfo.InvariantCulture),
        "--chatters", chatters.ToString(CultureInfo.InvariantCulture), "--gift-percent", giftPercent.ToString(CultureInfo.InvariantCulture),
        "--rate", rate.ToString(CultureInfo.InvariantCulture), .. prefill ? ["--prefill"] : Array.Empty<string>(),
    ];
    foreach (var argument in arguments)
    {
        info.ArgumentList.Add(argument);
    }

    return Process.Start(info) ?? throw new InvalidOperationException("could not start the producer");
}

// The producer's "produced {ms held back}" line, written when it has produced everything.
static async Task<TimeSpan> ReadProducerReportAsync(Process producer)
{
    while (await producer.StandardOutput.ReadLineAsync() is { } line)
    {
        if (line.StartsWith("produced ", StringComparison.Ordinal))
        {
            return TimeSpan.FromMilliseconds(double.Parse(line["produced ".Length..], CultureInfo.InvariantCulture));
        }
    }

    throw new InvalidOperationException($"the producer exited ({producer.ExitCode}) before producing everything");
}

// Tells the producer how far the host has got, every few milliseconds, so it stays within --max-lag.
async Task FeedProgressAsync(CancellationToken ct)
{
    var input = producerProcess.StandardInput;
    try
    {
        while (!producerProcess.HasExited)
        {
            await input.WriteLineAsync(consumer.Processed.ToString(CultureInfo.InvariantCulture));
            await input.FlushAsync(ct);
            await Task.Delay(5, ct);
        }
    }
    catch (OperationCanceledException) when (ct.IsCancellationRequested)
    {
        // The run is over.
    }
    catch (IOException) when (producerProcess.HasExited)
    {
        // The producer is gone; the main loop reports it.
    }
}
