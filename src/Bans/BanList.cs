using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Live.ServiceDefaults.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.Bans;

/// <summary>
/// A node's view of the active user, IP and shadow bans: a local copy of the Redis mirror, kept current by the
/// change channel and reloaded in full periodically and after a reconnect. Checks are memory lookups.
/// While no complete copy is held (start-up, too many bans) checks ask Redis; if Redis cannot answer
/// either, the check passes (fails open) so a Redis outage does not lock every user out.
/// </summary>
public sealed partial class BanList(
    IConnectionMultiplexer redis,
    IOptions<BanListOptions> options,
    TimeProvider time,
    ILogger<BanList> logger) : BackgroundService
{
    private readonly BanListOptions options = options.Value;
    private readonly ConcurrentDictionary<string, double> users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double> ips = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double> shadows = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim resyncNow = new(0, 1);
    private volatile bool complete;

    /// <summary>True once a full copy is held and changes are being applied to it.</summary>
    public bool IsComplete => complete;

    public ValueTask<bool> IsUserBannedAsync(long userId) => IsBannedAsync(BanKeys.UserKind, users, BanKeys.UserSubject(userId));

    public ValueTask<bool> IsIpBannedAsync(IPAddress address) => IsBannedAsync(BanKeys.IpKind, ips, BanKeys.CanonicalIp(address));

    /// <summary>Whether the user's messages are to be shown to nobody but themselves.</summary>
    public ValueTask<bool> IsShadowBannedAsync(long userId) => IsBannedAsync(BanKeys.ShadowKind, shadows, BanKeys.UserSubject(userId));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    // Subscribe before loading, so no change made during the load is missed.
                    await subscriber.SubscribeAsync(BanKeys.Changes, (_, message) => Apply(message));
                    break;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    Log.ResyncFailed(logger, ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                var ok = await ResyncAsync();
                var wait = ok ? TimeSpan.FromSeconds(options.ResyncSeconds) : TimeSpan.FromSeconds(1);
                await resyncNow.WaitAsync(wait, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.ConnectionRestored -= OnConnectionRestored;
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        complete = false;
        if (resyncNow.CurrentCount == 0)
        {
            try
            {
                resyncNow.Release();
            }
            catch (SemaphoreFullException)
            {
                // A resync is already due.
            }
        }
    }

    private async Task<bool> ResyncAsync()
    {
        try
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var db = redis.GetDatabase();
            var userEntries = LoadAsync(db, BanKeys.Users, now);
            var ipEntries = LoadAsync(db, BanKeys.Ips, now);
            var shadowEntries = LoadAsync(db, BanKeys.Shadows, now);
            await Task.WhenAll(userEntries, ipEntries, shadowEntries);
            if (userEntries.Result.Length > options.MaxCachedEntries || ipEntries.Result.Length > options.MaxCachedEntries
                || shadowEntries.Result.Length > options.MaxCachedEntries)
            {
                users.Clear();
                ips.Clear();
                shadows.Clear();
                complete = false;
                Log.TooManyBans(logger, options.MaxCachedEntries);
                return true;
            }

            Replace(users, userEntries.Result);
            Replace(ips, ipEntries.Result);
            Replace(shadows, shadowEntries.Result);
            complete = true;
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ResyncFailed(logger, ex.Message);
            return false;
        }
    }

    private Task<SortedSetEntry[]> LoadAsync(IDatabase db, RedisKey key, long nowMs) =>
        db.SortedSetRangeByScoreWithScoresAsync(key, nowMs, double.PositiveInfinity, Exclude.Start, take: options.MaxCachedEntries + 1);

    private static void Replace(ConcurrentDictionary<string, double> target, SortedSetEntry[] entries)
    {
        var fresh = new HashSet<string>(entries.Length, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var subject = entry.Element.ToString();
            fresh.Add(subject);
            target[subject] = entry.Score;
        }

        foreach (var subject in target.Keys)
        {
            if (!fresh.Contains(subject))
            {
                target.TryRemove(subject, out _);
            }
        }
    }

    private void Apply(RedisValue message)
    {
        var parts = message.ToString().Split('|');
        var target = parts.Length != 3 ? null : parts[0] switch
        {
            BanKeys.UserKind => users,
            BanKeys.IpKind => ips,
            BanKeys.ShadowKind => shadows,
            _ => null,
        };
        if (target is null)
        {
            Log.BadChangeMessage(logger, message.ToString());
            return;
        }

        if (parts[2] == BanKeys.Lifted)
        {
            target.TryRemove(parts[1], out _);
            return;
        }

        var expiry = parts[2] == BanKeys.Permanent
            ? double.PositiveInfinity
            : double.Parse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture);
        if (target.Count >= options.MaxCachedEntries && !target.ContainsKey(parts[1]))
        {
            complete = false;
            return;
        }

        target[parts[1]] = expiry;
    }

    private async ValueTask<bool> IsBannedAsync(string kind, ConcurrentDictionary<string, double> local, string subject)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (complete)
        {
            return local.TryGetValue(subject, out var expiry) && expiry > now;
        }

        try
        {
            var score = await redis.GetDatabase().SortedSetScoreAsync(BanKeys.For(kind), subject);
            return score is { } s && s > now;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Could not load the ban list from Redis; checks ask Redis directly until it can: {Reason}")]
        public static partial void ResyncFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "More than {Max} active bans of one kind; every ban check now asks Redis")]
        public static partial void TooManyBans(ILogger logger, int max);

        [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Ignored a malformed ban change message: {Message}")]
        public static partial void BadChangeMessage(ILogger logger, string message);
    }
}

public static class BanListExtensions
{
    /// <summary>The local ban list (needs AddRedis). One per process, kept current in the background.</summary>
    public static IServiceCollection AddBanList(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<BanListOptions>(configuration, BanListOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BanList>();
        services.AddHostedService(sp => sp.GetRequiredService<BanList>());
        return services;
    }
}
