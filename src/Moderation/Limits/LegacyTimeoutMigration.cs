using System.Globalization;
using Live.Moderation.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Live.Moderation.Limits;

/// <summary>
/// Timeouts used to be keys of their own; the admission script now reads them from the user's state
/// (<see cref="ModerationKeys.UserState"/>). At start, a node moves the ones still in force (SCAN on every primary:
/// the keys are few, one per timed-out user, and each is moved atomically by the same script as a new timeout), so
/// nobody timed out before an upgrade may speak once it is done. Idempotent: every node of a rollout does it, and
/// finds nothing once one has. A Redis that cannot be reached is logged and left: its old keys expire by themselves.
/// </summary>
public sealed class LegacyTimeoutMigration(IConnectionMultiplexer redis, RoomModerationControls controls, TimeProvider time, ILogger<LegacyTimeoutMigration> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var moved = 0;
            foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            {
                await foreach (var key in server.KeysAsync(pattern: ModerationKeys.LegacyTimeoutPattern, pageSize: 1_000).WithCancellation(stoppingToken))
                {
                    if (await MoveAsync(key))
                    {
                        moved++;
                    }
                }
            }

            if (moved > 0)
            {
                Log.LegacyTimeoutsMoved(logger, moved);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.LegacyTimeoutsNotMoved(logger, ex);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; the next node to start moves the rest.
        }
    }

    private async Task<bool> MoveAsync(RedisKey key)
    {
        // mod:{room}:timeout:user
        var name = key.ToString();
        var open = name.IndexOf('{', StringComparison.Ordinal);
        var close = name.IndexOf('}', StringComparison.Ordinal);
        if (open < 0 || close < open
            || !long.TryParse(name.AsSpan(open + 1, close - open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var roomId)
            || !long.TryParse(name.AsSpan(name.LastIndexOf(':') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var userId))
        {
            return false;
        }

        var db = redis.GetDatabase();
        var until = await db.StringGetAsync(key);
        var remaining = until.TryParse(out long untilMs) ? untilMs - time.GetUtcNow().ToUnixTimeMilliseconds() : 0;
        if (remaining > 0)
        {
            await controls.MoveTimeoutAsync(roomId, userId, untilMs, remaining);
        }

        await db.KeyDeleteAsync(key);
        return remaining > 0;
    }
}
