using System.Diagnostics;
using System.Globalization;
using Live.Bans;
using Live.Moderation.Data;
using Live.Moderation.Pipeline;
using Live.Moderation.Words;
using Live.Redis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Live.Moderation.Benchmarks;

/// <summary>
/// Messages per second and latency through the whole moderation pipeline on one process, against the real
/// MariaDB (10,000 words loaded by the reloader) and Redis: `pipeline [--seconds N] [--concurrency N]
/// [--users N] [--rooms N] [--redis host:port] [--mysql connection-string]`. Senders are spread over enough
/// users that nobody exceeds the default rate limit, and each message is distinct, so refusals come only
/// from the listed words in the corpus. A bounded, self-stopping loop on loopback.
/// </summary>
public static class PipelineLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = IntArg(args, "--seconds", 10);
        var concurrency = IntArg(args, "--concurrency", 256);
        var users = IntArg(args, "--users", 20_000);
        var rooms = IntArg(args, "--rooms", 200);
        var redis = StringArg(args, "--redis", "127.0.0.1:16379");
        var mysql = StringArg(args, "--mysql", "Server=127.0.0.1;Port=13306;User=live;Password=live;Database=live_moderation_bench");

        await EnsureDatabaseAsync(mysql);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = mysql,
            ["ConnectionStrings:Redis"] = redis,
            ["Moderation:WordsChannel"] = "moderation:words:bench",
        });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddRedis(builder.Configuration, "moderation-load");
        builder.Services.AddModeration(builder.Configuration);
        using var host = builder.Build();
        await ModerationDatabase.MigrateAsync(host.Services.GetRequiredService<IDbContextFactory<ModerationDbContext>>());
        await SeedWordsAsync(host.Services);
        await host.StartAsync();
        var reloader = host.Services.GetRequiredService<WordListReloader>();
        var banList = host.Services.GetRequiredService<BanList>();
        while (!reloader.HasLoaded || !banList.IsComplete)
        {
            await Task.Delay(50);
        }

        var filter = host.Services.GetRequiredService<WordFilter>();
        var pipeline = host.Services.GetRequiredService<ModerationPipeline>();
        var messages = DanmakuCorpus.Messages(filter.GlobalWordCount == 0 ? [] : DanmakuCorpus.Words());
        var userBase = Random.Shared.NextInt64(1, 1_000_000) * 1_000_000;
        var roomBase = Random.Shared.NextInt64(1, 1_000_000) * 1_000_000;

        // Warm-up (JIT, script cache, connection), not measured.
        await RunWorkersAsync(pipeline, messages, concurrency, users, rooms, userBase, roomBase, TimeSpan.FromSeconds(2), seed: 1);
        var result = await RunWorkersAsync(pipeline, messages, concurrency, users, rooms, userBase + users, roomBase + rooms, TimeSpan.FromSeconds(seconds), seed: 2);

        var latencies = result.Latencies;
        latencies.Sort();
        var elapsed = result.Elapsed.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant($"words loaded        {filter.GlobalWordCount:N0}"));
        Console.WriteLine(FormattableString.Invariant($"duration            {elapsed:F1} s, concurrency {concurrency}, {users:N0} users in {rooms} rooms"));
        Console.WriteLine(FormattableString.Invariant($"messages            {latencies.Count:N0} ({latencies.Count / elapsed:N0}/s)"));
        Console.WriteLine(FormattableString.Invariant($"accepted            {result.Accepted:N0} ({result.Accepted / elapsed:N0}/s)"));
        foreach (var (reason, count) in result.Rejected.OrderByDescending(r => r.Value))
        {
            Console.WriteLine(FormattableString.Invariant($"rejected {reason,-10} {count:N0}"));
        }

        Console.WriteLine(FormattableString.Invariant($"latency p50/p99/p99.9/max  {Ms(latencies, 0.50):F2} / {Ms(latencies, 0.99):F2} / {Ms(latencies, 0.999):F2} / {Ms(latencies, 1.0):F2} ms"));
        await host.StopAsync();
        return 0;
    }

    private sealed record LoadResult(List<long> Latencies, long Accepted, Dictionary<string, long> Rejected, TimeSpan Elapsed);

    private static async Task<LoadResult> RunWorkersAsync(
        ModerationPipeline pipeline, string[] messages, int concurrency, int users, int rooms, long userBase, long roomBase, TimeSpan duration, int seed)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = new Task<(List<long> Latencies, long Accepted, Dictionary<string, long> Rejected)>[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            var worker = w;
            workers[w] = Task.Run(async () =>
            {
                var random = new Random(seed * 10_000 + worker);
                var latencies = new List<long>(64 * 1024);
                var rejected = new Dictionary<string, long>();
                long accepted = 0;
                var sequence = 0;
                // Each worker owns a slice of the users, so no user is shared between workers.
                var slice = Math.Max(1, users / concurrency);
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    var user = userBase + worker * slice + sequence % slice;
                    var room = roomBase + user % rooms;
                    var content = messages[random.Next(messages.Length)];
                    var text = string.Create(CultureInfo.InvariantCulture, $"{(content.Length > 90 ? content[..90] : content)} #{sequence++}");
                    var begin = Stopwatch.GetTimestamp();
                    var verdict = await pipeline.EvaluateAsync(new ModerationRequest(user, room, text));
                    latencies.Add(Stopwatch.GetTimestamp() - begin);
                    if (verdict.IsAccepted)
                    {
                        accepted++;
                    }
                    else
                    {
                        rejected[verdict.ReasonCode] = rejected.GetValueOrDefault(verdict.ReasonCode) + 1;
                    }
                }

                return (latencies, accepted, rejected);
            });
        }

        var results = await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var all = new List<long>(results.Sum(r => r.Latencies.Count));
        var rejectedAll = new Dictionary<string, long>();
        foreach (var (latencies, _, rejected) in results)
        {
            all.AddRange(latencies);
            foreach (var (reason, count) in rejected)
            {
                rejectedAll[reason] = rejectedAll.GetValueOrDefault(reason) + count;
            }
        }

        return new LoadResult(all, results.Sum(r => r.Accepted), rejectedAll, elapsed);
    }

    internal static async Task EnsureDatabaseAsync(string mysql)
    {
        var builder = new MySqlConnectionStringBuilder(mysql);
        var database = builder.Database;
        builder.Database = "";
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"CREATE DATABASE IF NOT EXISTS `{database.Replace("`", "", StringComparison.Ordinal)}` CHARACTER SET utf8mb4", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The corpus's 10,000 words as the global list, written once per database.</summary>
    internal static async Task SeedWordsAsync(IServiceProvider services)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<ModerationDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        if (await db.Words.CountAsync(w => w.RoomScope == 0) >= DanmakuCorpus.WordCount)
        {
            return;
        }

        await db.Words.ExecuteDeleteAsync();
        var now = DateTime.UtcNow;
        db.Words.AddRange(DanmakuCorpus.Words().Select(w => new ModerationWordRecord { Word = w.Word, Action = w.Action, CreatedAt = now, CreatedBy = "benchmark" }));
        await db.SaveChangesAsync();
    }

    private static double Ms(List<long> sorted, double quantile) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(quantile * sorted.Count))] * 1000.0 / Stopwatch.Frequency;

    private static int IntArg(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

    private static string StringArg(string[] args, string name, string fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
