using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using Google.Protobuf;
using Live.MessageService.Telemetry;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.MessageService.Ingest;

public sealed class RejectionLogOptions
{
    public const string Section = "RejectionLog";

    /// <summary>Refusals kept per room (newest first); older ones fall off.</summary>
    [Range(1, 10_000)]
    public int PerRoom { get; set; } = 100;

    /// <summary>A room's list expires this long after its last refusal.</summary>
    [Range(1, 10_080)]
    public int TtlMinutes { get; set; } = 1_440;

    /// <summary>Refusals waiting to be written; when full, new ones are dropped (counted), never the message path.</summary>
    [Range(100, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    [Range(10, 60_000)]
    public int FlushIntervalMs { get; set; } = 250;
}

/// <summary>
/// The recent refusals of each room, for its moderators (ListRejections), shared by every node: a capped
/// Redis list per room. Refusals are queued in memory and written in batches off the message path, so a
/// flood that the local rate gate refuses without Redis does not cost a Redis write per message: each flush
/// writes at most <see cref="RejectionLogOptions.PerRoom"/> entries per room, and the queue is bounded.
/// </summary>
public sealed class RejectionLog(
    IConnectionMultiplexer redis,
    IOptions<RejectionLogOptions> options,
    MessageMetrics metrics,
    TimeProvider time,
    ILogger<RejectionLog> logger) : BackgroundService
{
    /// <summary>Refused text beyond this many characters is cut in the log.</summary>
    public const int MaxContentLength = 200;

    private readonly RejectionLogOptions settings = options.Value;
    private readonly Channel<(long RoomId, Rejection Entry)> queue = Channel.CreateBounded<(long, Rejection)>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    public static RedisKey Key(long roomId) => $"mod:{{{roomId}}}:rejections";

    public void Record(in IncomingMessage message, string reason, string? matchedWord)
    {
        var content = message.Content.Length <= MaxContentLength ? message.Content : message.Content[..MaxContentLength];
        var entry = new Rejection
        {
            TimestampMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            UserId = message.UserId,
            UserName = message.UserName,
            Reason = reason,
            Content = content,
            MatchedWord = matchedWord ?? string.Empty,
        };
        if (!queue.Writer.TryWrite((message.RoomId, entry)))
        {
            metrics.RejectionNotLogged();
        }
    }

    /// <summary>The room's most recent refusals, newest first.</summary>
    public async Task<List<Rejection>> ReadAsync(long roomId, int limit)
    {
        var values = await redis.GetDatabase().ListRangeAsync(Key(roomId), 0, limit - 1);
        return [.. values.Select(v => Rejection.Parser.ParseFrom((byte[])v!))];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new Dictionary<long, List<Rejection>>();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(settings.FlushIntervalMs));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                while (queue.Reader.TryRead(out var item))
                {
                    if (!batch.TryGetValue(item.RoomId, out var entries))
                    {
                        batch[item.RoomId] = entries = [];
                    }

                    // Only the newest PerRoom of a flush can survive the trim anyway.
                    if (entries.Count == settings.PerRoom)
                    {
                        entries.RemoveAt(0);
                    }

                    entries.Add(item.Entry);
                }

                if (batch.Count > 0)
                {
                    await WriteAsync(batch);
                    batch.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still queued is lost, which a log of recent refusals can afford.
        }
    }

    private async Task WriteAsync(Dictionary<long, List<Rejection>> batch)
    {
        var db = redis.GetDatabase();
        var ttl = TimeSpan.FromMinutes(settings.TtlMinutes);
        var writes = new List<Task>(batch.Count * 3);
        foreach (var (roomId, entries) in batch)
        {
            var key = Key(roomId);
            // LPUSH of oldest-first values leaves the newest at the head.
            writes.Add(db.ListLeftPushAsync(key, [.. entries.Select(e => (RedisValue)e.ToByteArray())]));
            writes.Add(db.ListTrimAsync(key, 0, settings.PerRoom - 1));
            writes.Add(db.KeyExpireAsync(key, ttl));
        }

        try
        {
            await Task.WhenAll(writes);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            metrics.RejectionNotLogged(batch.Sum(b => b.Value.Count));
            Log.RejectionLogFailed(logger, batch.Count, ex.Message);
        }
    }
}
