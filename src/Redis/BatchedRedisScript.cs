using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Live.ServiceDefaults.Hosting;
using StackExchange.Redis;

namespace Live.Redis;

/// <summary>
/// Runs a per-item Lua script for many callers in one EVALSHA. Calls queue while earlier batches are with
/// Redis and go out together when a slot frees: an idle lane sends a batch of one at once, a busy lane sends
/// whatever arrived during the previous round trip. This is group commit for Redis: the fixed cost of a
/// script call (parsing, Lua entry, the client's task and wake-up per command) is paid once per batch instead
/// of once per message, which is what limits a hot ingest path, while the latency added is at most one round
/// trip.
/// <para>
/// The script sees <see cref="KeysPerItem"/> keys and <see cref="ArgsPerItem"/> arguments per item, items in
/// arrival order, and returns <see cref="ResultsPerItem"/> values per item in one flat array. On Redis Cluster
/// the keys of one item share a slot (a hash tag) and batches are formed per slot; elsewhere one lane takes
/// every item.
/// </para>
/// </summary>
public abstract class BatchedRedisScript<TRequest, TResult> : IDisposable
{
    private static readonly Meter Meter = new(PlatformTelemetry.SourcePrefix + "Redis");
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "live.redis.script.batch_size", description: "Items per batched script call, by script: 1 while Redis keeps up, larger under load.");

    private readonly string script;
    private readonly BatchedScriptLimits limits;
    private readonly bool cluster;
    private readonly ConcurrentDictionary<int, Lane> lanes = new();
    private readonly Lane single;
    private readonly KeyValuePair<string, object?> scriptTag;

    protected BatchedRedisScript(IConnectionMultiplexer redis, string script, BatchedScriptLimits limits)
    {
        Redis = redis;
        this.script = script;
        this.limits = limits;
        scriptTag = new("script", GetType().Name);
        cluster = redis.GetServers().Any(s => s.ServerType == ServerType.Cluster);
        single = new Lane(this);
    }

    protected IConnectionMultiplexer Redis { get; }

    protected abstract int KeysPerItem { get; }

    protected abstract int ArgsPerItem { get; }

    protected abstract int ResultsPerItem { get; }

    /// <summary>Queues the call; completes when its batch came back (or failed: every item of it gets the exception).</summary>
    protected Task<TResult> CallAsync(TRequest request)
    {
        var lane = cluster ? lanes.GetOrAdd(Redis.HashSlot(SlotKey(request)), _ => new Lane(this)) : single;
        var pending = new Pending(request);
        if (!lane.Queue.Writer.TryWrite(pending))
        {
            return QueueFullAsync(lane, pending);
        }

        return pending.Completion.Task;
    }

    /// <summary>A key of the item, for its hash slot; asked only on Redis Cluster.</summary>
    protected abstract RedisKey SlotKey(in TRequest request);

    /// <summary>Appends the item's keys and arguments, exactly <see cref="KeysPerItem"/> and <see cref="ArgsPerItem"/>.</summary>
    protected abstract void Append(in TRequest request, RedisKey[] keys, int keyOffset, RedisValue[] args, int argOffset);

    /// <summary>Reads the item's result from its <see cref="ResultsPerItem"/> values.</summary>
    protected abstract TResult Read(in TRequest request, ReadOnlySpan<RedisResult> results);

    public void Dispose()
    {
        single.Queue.Writer.TryComplete();
        foreach (var lane in lanes.Values)
        {
            lane.Queue.Writer.TryComplete();
        }

        GC.SuppressFinalize(this);
    }

    private static async Task<TResult> QueueFullAsync(Lane lane, Pending pending)
    {
        // A full queue means Redis is behind: the caller waits for room (back-pressure), it is not refused.
        await lane.Queue.Writer.WriteAsync(pending);
        return await pending.Completion.Task;
    }

    private async Task SendAsync(List<Pending> batch, Lane lane)
    {
        try
        {
            var keys = new RedisKey[batch.Count * KeysPerItem];
            var args = new RedisValue[batch.Count * ArgsPerItem];
            for (var i = 0; i < batch.Count; i++)
            {
                Append(batch[i].Request, keys, i * KeysPerItem, args, i * ArgsPerItem);
            }

            BatchSize.Record(batch.Count, scriptTag);
            var reply = (RedisResult[])(await Redis.GetDatabase().ScriptEvaluateAsync(script, keys, args))!;
            if (reply.Length != batch.Count * ResultsPerItem)
            {
                throw new RedisException($"the batched script returned {reply.Length} values for {batch.Count} items of {ResultsPerItem}");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(Read(batch[i].Request, reply.AsSpan(i * ResultsPerItem, ResultsPerItem)));
            }
        }
        catch (Exception ex)
        {
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(ex);
            }
        }
        finally
        {
            lane.Slots.Release();
        }
    }

    private sealed class Pending(TRequest request)
    {
        public TRequest Request { get; } = request;

        // Asynchronous continuations: the callers' next steps run on the pool, not one after another on the
        // thread that read the batch's reply.
        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lane
    {
        private readonly BatchedRedisScript<TRequest, TResult> owner;

        public Lane(BatchedRedisScript<TRequest, TResult> owner)
        {
            this.owner = owner;
            Queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(owner.limits.QueueCapacity) { SingleReader = true });
            Slots = new SemaphoreSlim(owner.limits.MaxInFlight, owner.limits.MaxInFlight);
            _ = Task.Run(RunAsync);
        }

        public Channel<Pending> Queue { get; }

        public SemaphoreSlim Slots { get; }

        private async Task RunAsync()
        {
            var reader = Queue.Reader;
            while (await reader.WaitToReadAsync())
            {
                await Slots.WaitAsync();
                var batch = new List<Pending>(Math.Min(reader.Count, owner.limits.MaxBatch));
                while (batch.Count < owner.limits.MaxBatch && reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                if (batch.Count == 0)
                {
                    Slots.Release();
                    continue;
                }

                _ = owner.SendAsync(batch, this);
            }
        }
    }
}

/// <param name="MaxBatch">Most items in one script call (bounds the time Redis spends in one call).</param>
/// <param name="MaxInFlight">Batches with Redis at once; more items wait and form the next batch.</param>
/// <param name="QueueCapacity">Items waiting per lane; beyond it callers wait for room.</param>
public sealed record BatchedScriptLimits(int MaxBatch = 128, int MaxInFlight = 2, int QueueCapacity = 16_384);
