using System.Diagnostics;
using System.Threading.Channels;
using Live.Moderation.Telemetry;
using Live.Moderation.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.Moderation.Words;

/// <summary>
/// Keeps this node's <see cref="WordFilter"/> in step with MySQL. Notifications on the words channel name
/// the list that changed; that list is reloaded and its automaton rebuilt here, off the message path,
/// then swapped in. Notifications arriving while a reload runs are coalesced. A full reload runs at
/// start-up, after Redis reconnects (notifications may have been missed) and every
/// <see cref="ModerationOptions.FullReloadSeconds"/>.
/// </summary>
public sealed class WordListReloader(
    IConnectionMultiplexer redis,
    WordStore store,
    WordFilter filter,
    TextNormalizer normalizer,
    IOptions<ModerationOptions> options,
    ModerationMetrics metrics,
    ILogger<WordListReloader> logger) : BackgroundService
{
    /// <summary>Rooms waiting to be reloaded beyond this many turn the next reload into a full one.</summary>
    private const int MaxPendingRooms = 1_024;

    private static readonly TimeSpan ResubscribeDelay = TimeSpan.FromSeconds(1);

    private readonly ModerationOptions options = options.Value;
    private readonly Channel<bool> wakeUp = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock pendingLock = new();
    private readonly HashSet<long> pendingRooms = [];
    private bool pendingGlobal;
    private bool pendingFull = true;
    private volatile bool loaded;

    /// <summary>True once the first full load has been swapped in; readiness waits for it.</summary>
    public bool HasLoaded => loaded;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            var subscribed = false;
            var failures = 0;
            while (!stoppingToken.IsCancellationRequested)
            {
                subscribed = subscribed || await TrySubscribeAsync();
                var work = TakePending();
                if (!work.IsEmpty && !await ApplyAsync(work, stoppingToken))
                {
                    Requeue(work);
                    var delay = Math.Min(250 << Math.Min(failures++, 3), 2_000);
                    Log.WordListLoadFailed(logger, work.Describe(), delay, work.Error!);
                    await Task.Delay(delay, stoppingToken);
                    continue;
                }

                failures = 0;
                await WaitForWorkAsync(subscribed ? TimeSpan.FromSeconds(options.FullReloadSeconds) : ResubscribeDelay, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            redis.ConnectionRestored -= OnConnectionRestored;
        }
    }

    private async Task<bool> TrySubscribeAsync()
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(options.WordsChannel), (_, message) => OnNotification(message));
            // Changes made before the subscription took effect would otherwise wait for the periodic reload.
            Enqueue(full: true, global: false, roomId: null);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false;
        }
    }

    private void OnNotification(RedisValue message)
    {
        var (unreadable, roomId) = WordListNotifier.Parse(message);
        if (unreadable)
        {
            Log.UnreadableNotification(logger, message);
        }

        Enqueue(full: unreadable, global: !unreadable && roomId is null, roomId);
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Enqueue(full: true, global: false, roomId: null);

    private void Enqueue(bool full, bool global, long? roomId)
    {
        lock (pendingLock)
        {
            pendingFull |= full;
            pendingGlobal |= global;
            if (roomId is { } room)
            {
                if (pendingRooms.Count < MaxPendingRooms)
                {
                    pendingRooms.Add(room);
                }
                else
                {
                    pendingFull = true;
                }
            }
        }

        wakeUp.Writer.TryWrite(true);
    }

    private PendingWork TakePending()
    {
        lock (pendingLock)
        {
            var work = new PendingWork(pendingFull, pendingGlobal, pendingFull ? [] : [.. pendingRooms]);
            pendingFull = pendingGlobal = false;
            pendingRooms.Clear();
            return work;
        }
    }

    private void Requeue(PendingWork work)
    {
        lock (pendingLock)
        {
            pendingFull |= work.Full;
            pendingGlobal |= work.Global;
            foreach (var room in work.Rooms)
            {
                pendingRooms.Add(room);
            }
        }
    }

    private async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        deadline.CancelAfter(timeout);
        try
        {
            await wakeUp.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            Enqueue(full: true, global: false, roomId: null);
        }
    }

    private async Task<bool> ApplyAsync(PendingWork work, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var scope = work.Full ? "full" : work.Global ? "global" : "room";
        try
        {
            if (work.Full)
            {
                var global = Compile(await store.LoadGlobalAsync(cancellationToken));
                var rooms = new Dictionary<long, AhoCorasickAutomaton>();
                foreach (var (roomId, words) in await store.LoadAllRoomsAsync(cancellationToken))
                {
                    rooms[roomId] = Compile(words);
                }

                filter.ReplaceAll(global, rooms);
                loaded = true;
            }
            else
            {
                if (work.Global)
                {
                    filter.ReplaceGlobal(Compile(await store.LoadGlobalAsync(cancellationToken)));
                }

                if (work.Rooms.Length > 0)
                {
                    var changed = new Dictionary<long, AhoCorasickAutomaton>();
                    foreach (var roomId in work.Rooms)
                    {
                        changed[roomId] = Compile(await store.LoadRoomAsync(roomId, cancellationToken));
                    }

                    filter.ReplaceRooms(changed);
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            metrics.Reload(scope, ok: true, elapsed);
            Log.WordListsLoaded(logger, work.Describe(), filter.GlobalWordCount, filter.RoomsWithWords, elapsed);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            metrics.Reload(scope, ok: false, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            work.Error = ex;
            return false;
        }
    }

    /// <summary>Words are stored normalized, but normalizing again keeps matching right if the separators were reconfigured.</summary>
    private AhoCorasickAutomaton Compile(List<ListedWord> words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            words[i] = words[i] with { Word = normalizer.NormalizeWord(words[i].Word) };
        }

        return AhoCorasickAutomaton.Build(words);
    }

    private sealed class PendingWork(bool full, bool global, long[] rooms)
    {
        public bool Full { get; } = full;
        public bool Global { get; } = global;
        public long[] Rooms { get; } = rooms;
        public Exception? Error { get; set; }
        public bool IsEmpty => !Full && !Global && Rooms.Length == 0;

        public string Describe() => Full ? "full" : Global ? $"global and {Rooms.Length} room(s)" : $"{Rooms.Length} room(s)";
    }
}
