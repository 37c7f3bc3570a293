using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using Live.Gifts;
using Live.MessageService;
using Live.Moderation.Words;
using Live.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Live.Moderation.Benchmarks;

/// <summary>
/// Accepted messages per second and ingest latency through the whole ingest path of one real MessageService
/// (MessageServiceApp on Kestrel, loopback HTTP/2): moderation with 10,000 words, then seq + history + publish
/// in Redis and the Kafka queue. `ingest [--via relay|publish] [--seconds N] [--warmup N] [--concurrency N] [--streams N]
/// [--rate N] [--users N] [--rooms N] [--redis host:port[,host:port...]|private] [--redis-server path] [--mysql connection-string] [--kafka host:port]
/// [--room-service url]`. Needs RoomService (./platform up) for the rooms.
///
/// relay: N relay streams, as Edges open them, each with a window of `concurrency / streams` messages in
/// flight; a message is done when it comes back in a room batch (the streams subscribe their rooms) or as a
/// rejection. publish: `concurrency` callers of Publish, each signed in as a user (moderated like a viewer);
/// publish-service: the same as an internal caller, which only the content rules apply to (moderation's share).
/// Latency: MessageService's own ingest histogram (checks + moderation + seq + history + publish, per
/// accepted message, read exactly with a MeterListener); for publish also the call's round trip as the
/// caller sees it; for relay also send → arrival in a batch (which includes the 20 ms batch window).
/// </summary>
public static class IngestLoad
{
    internal const string ProxySecret = "ingest-benchmark-proxy-secret-0123456789";

    public static async Task<int> RunAsync(string[] args)
    {
        var via = Arg(args, "--via", "relay");
        var seconds = int.Parse(Arg(args, "--seconds", "10"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(Arg(args, "--warmup", "5"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Arg(args, "--concurrency", "512"), CultureInfo.InvariantCulture);
        var streams = int.Parse(Arg(args, "--streams", "4"), CultureInfo.InvariantCulture);
        // Open loop: offer this many messages/s whatever the answers (relay only); 0 keeps a closed loop.
        var rate = int.Parse(Arg(args, "--rate", "0"), CultureInfo.InvariantCulture);
        var users = int.Parse(Arg(args, "--users", "20000"), CultureInfo.InvariantCulture);
        var roomCount = int.Parse(Arg(args, "--rooms", "200"), CultureInfo.InvariantCulture);
        // Each relay stream sends to its own rooms only: a stream without a room would never find a message to send.
        streams = Math.Min(streams, roomCount);
        // A Redis of the benchmark's own by default, so its CPU per message is this run's alone.
        var redis = Arg(args, "--redis", "private");
        var mysql = Arg(args, "--mysql", "Server=127.0.0.1;Port=13306;User=live;Password=live;Database=live_messages_ingest_bench");
        var kafka = Arg(args, "--kafka", File.Exists(".local/kafka.bootstrap") ? File.ReadAllText(".local/kafka.bootstrap").Trim() : "127.0.0.1:9092");
        var roomService = Arg(args, "--room-service", "http://127.0.0.1:5101");
        if (via is not ("relay" or "publish" or "publish-service"))
        {
            Console.Error.WriteLine("--via must be relay, publish or publish-service");
            return 2;
        }

        await PipelineLoad.EnsureDatabaseAsync(mysql);
        using var privateRedis = redis == "private" ? StartRedis(Arg(args, "--redis-server", "redis-server"), out redis) : null;
        try
        {
            return await MeasureAsync(via, seconds, warmup, concurrency, streams, rate, users, roomCount, redis, mysql, kafka, roomService);
        }
        finally
        {
            privateRedis?.Kill();
        }
    }

    private static async Task<int> MeasureAsync(
        string via, int seconds, int warmup, int concurrency, int streams, int rate, int users, int roomCount, string redis, string mysql, string kafka, string roomService)
    {
        var port = FreePort();
        // MessageService hosts GiftService, which needs its database; no gift is sent here.
        var gifts = new MySqlConnector.MySqlConnectionStringBuilder(mysql) { Database = "live_gifts_ingest_bench" }.ConnectionString;
        var app = MessageServiceApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:MySql"] = mysql,
                ["ConnectionStrings:Gifts"] = gifts,
                ["ConnectionStrings:Redis"] = redis,
                ["Kafka:BootstrapServers"] = kafka,
                ["Services:RoomService"] = roomService,
                ["Identity:ProxySecret"] = ProxySecret,
                ["Moderation:WordsChannel"] = "moderation:words:ingest-bench",
                ["Logging:LogLevel:Default"] = "Warning",
                // Batches must carry every accepted message back to the relay client, which counts them.
                ["Messages:MaxDisplayRatePerSecond"] = "1000000",
                ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{port}",
                ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
                ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{FreePort()}",
            });
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        });
        await Live.Moderation.Data.ModerationDatabase.MigrateAsync(
            app.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Live.Moderation.Data.ModerationDbContext>>());
        await app.Services.MigrateGiftsAsync();
        await PipelineLoad.SeedWordsAsync(app.Services);
        await app.StartAsync();
        try
        {
            var reloader = app.Services.GetRequiredService<WordListReloader>();
            while (!reloader.HasLoaded)
            {
                await Task.Delay(50);
            }

            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
                MaxReceiveMessageSize = 16 * 1024 * 1024,
            });
            using var roomChannel = GrpcChannel.ForAddress(roomService);
            var rooms = await CreateLiveRoomsAsync(new RoomServiceClient(roomChannel), roomCount);
            var words = app.Services.GetRequiredService<WordFilter>().GlobalWordCount;
            var corpus = DanmakuCorpus.Messages(DanmakuCorpus.Words());
            using var server = new IngestServerInstruments();
            var userBase = Random.Shared.NextInt64(1, 1_000_000) * 1_000_000;

            var load = new IngestTraffic(channel, rooms, corpus, users, userBase) { RatePerSecond = rate };
            // Warm-up (JIT and tiering, script cache, connections, room status cache), not measured.
            await (via == "relay" ? load.RelayAsync(streams, concurrency, TimeSpan.FromSeconds(warmup), null) : load.PublishAsync(concurrency, via == "publish", TimeSpan.FromSeconds(warmup), null));
            load.NextUsers();
            server.Reset();
            var measured = new IngestMeasured();
            using var redisAdmin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
            // Every master's, when Redis is a cluster (--redis with its seeds): sharded by room, the work is spread over them.
            var redisServers = redisAdmin.GetServers().Where(s => !s.IsReplica).ToArray();
            var redisCpuBefore = await RedisCpuSecondsAsync(redisServers);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            var loadBefore = LoadAverage();
            await (via == "relay" ? load.RelayAsync(streams, concurrency, TimeSpan.FromSeconds(seconds), measured) : load.PublishAsync(concurrency, via == "publish", TimeSpan.FromSeconds(seconds), measured));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var loadAfter = LoadAverage();
            var processCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            var redisCpu = await RedisCpuSecondsAsync(redisServers) - redisCpuBefore;

            var ingest = server.IngestDurations();
            var clientLatency = measured.LatenciesMs();
            Console.WriteLine(FormattableString.Invariant($"via                 {via}, concurrency {concurrency}{(via == "relay" ? $" over {streams} relay streams" : "")}{(rate > 0 && via == "relay" ? $", offered {rate:N0}/s" : "")}, {users:N0} users in {roomCount} rooms, {words:N0} words loaded"));
            Console.WriteLine(FormattableString.Invariant($"duration            {elapsed:F1} s (after a {warmup} s warm-up)"));
            Console.WriteLine(FormattableString.Invariant($"sent                {measured.Sent:N0} ({measured.Sent / elapsed:N0}/s)"));
            Console.WriteLine(FormattableString.Invariant($"accepted            {measured.Accepted:N0} ({measured.Accepted / elapsed:N0}/s); server counted {server.Accepted:N0}"));
            foreach (var (reason, count) in measured.Rejected.OrderByDescending(r => r.Value))
            {
                Console.WriteLine(FormattableString.Invariant($"rejected {reason,-10} {count:N0}"));
            }

            Console.WriteLine(FormattableString.Invariant($"ingest latency (server)   p50 {Quantile(ingest, 0.50):F2}  p99 {Quantile(ingest, 0.99):F2}  p99.9 {Quantile(ingest, 0.999):F2}  max {Quantile(ingest, 1):F2} ms"));
            Console.WriteLine(FormattableString.Invariant($"{(via == "relay" ? "send → in a batch      " : "publish round trip     ")}    p50 {Quantile(clientLatency, 0.50):F2}  p99 {Quantile(clientLatency, 0.99):F2}  p99.9 {Quantile(clientLatency, 0.999):F2}  max {Quantile(clientLatency, 1):F2} ms"));
            // CPU per accepted message moves far less with the neighbours than messages/s does.
            var accepted = Math.Max(1, measured.Accepted);
            Console.WriteLine(FormattableString.Invariant($"cpu per accepted    this process (MessageService + load client) {processCpu * 1e6 / accepted:F0} µs, Redis {redisCpu * 1e6 / accepted:F0} µs ({processCpu / elapsed:F2} + {redisCpu / elapsed:F2} cores busy)"));
            Console.WriteLine($"redis batches       {server.ScriptBatchSizes()}");
            Console.WriteLine(FormattableString.Invariant($"load average        {loadBefore} -> {loadAfter} ({Environment.ProcessorCount} cores)"));
        }
        finally
        {
            // Also when the load failed: a host left running would keep the process alive.
            await app.StopAsync();
            await app.DisposeAsync();
        }

        return 0;
    }

    private static async Task<long[]> CreateLiveRoomsAsync(RoomServiceClient client, int count)
    {
        var rooms = new long[count];
        for (var i = 0; i < count; i++)
        {
            var room = await client.CreateRoomAsync(new CreateRoomRequest { AnchorUserId = 1, Title = "ingest benchmark", Category = "chat" });
            await client.StartLiveAsync(new StartLiveRequest { RoomId = room.Id });
            rooms[i] = room.Id;
        }

        return rooms;
    }

    /// <summary>Redis's own CPU time (user + system) so far, from INFO cpu, summed over <paramref name="servers"/>.</summary>
    private static async Task<double> RedisCpuSecondsAsync(StackExchange.Redis.IServer[] servers)
    {
        double seconds = 0;
        foreach (var server in servers)
        {
            var cpu = (await server.InfoAsync("cpu")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
            seconds += double.Parse(cpu["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(cpu["used_cpu_sys"], CultureInfo.InvariantCulture);
        }

        return seconds;
    }

    private static double Quantile(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static Process StartRedis(string binary, out string address)
    {
        var port = FreePort();
        address = $"127.0.0.1:{port}";
        var redis = Process.Start(new ProcessStartInfo(binary, $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"could not start {binary}");
        redis.OutputDataReceived += (_, _) => { };
        redis.BeginOutputReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient("127.0.0.1", port);
                return redis;
            }
            catch (System.Net.Sockets.SocketException)
            {
                Thread.Sleep(50);
            }
        }

        redis.Kill();
        throw new InvalidOperationException($"{binary} did not listen on {address}");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Arg(string[] args, string name, string fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
