using System.Globalization;
using System.Net;
using Live.Bans;
using Live.ServiceDefaults.Grpc;
using Live.UserService.Data;
using Live.UserService.Telemetry;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Live.UserService.Bans;

/// <summary>
/// Bans in MySQL, then mirrored to Redis and announced on the change channel, in that order: MySQL is the
/// record, and if Redis fails after the commit the call reports UNAVAILABLE while <see cref="BanMirrorSync"/>
/// puts the mirror right on its next pass.
/// </summary>
public sealed class BanStore(UsersDbContext db, IConnectionMultiplexer redis, TimeProvider time, UserMetrics metrics, ILogger<BanStore> logger)
{
    public const int MaxReasonLength = 256;
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public async Task<BanRecord> BanAsync(string kind, string subject, string reason, long durationSeconds, long createdBy, CancellationToken ct)
    {
        var now = Now();
        var record = new BanRecord
        {
            Kind = kind,
            Subject = subject,
            Reason = reason,
            CreatedAt = now,
            ExpiresAt = durationSeconds == 0 ? null : now.AddSeconds(durationSeconds),
            CreatedBy = createdBy,
        };

        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            // A new ban replaces the subject's earlier one, so there is at most one active ban per subject.
            await Active(now).Where(b => b.Kind == kind && b.Subject == subject)
                .ExecuteUpdateAsync(set => set.SetProperty(b => b.LiftedAt, now), ct);
            db.Bans.Add(record);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        var expiresMs = ExpiryScore(record);
        var redisDb = redis.GetDatabase();
        await redisDb.SortedSetAddAsync(BanKeys.For(kind), subject, expiresMs);
        await redisDb.PublishAsync(BanKeys.Changes, BanKeys.ChangeMessage(kind, subject, expiresMs));

        metrics.BanChanged(kind, "ban");
        Log.Banned(logger, kind, subject, By(createdBy), record.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture) ?? "never", reason);
        return record;
    }

    /// <summary>Lifts the subject's active ban; the mirror is cleared even when MySQL had none, which repairs a stale mirror.</summary>
    public async Task<int> UnbanAsync(string kind, string subject, long by, CancellationToken ct)
    {
        var now = Now();
        var lifted = await Active(now).Where(b => b.Kind == kind && b.Subject == subject)
            .ExecuteUpdateAsync(set => set.SetProperty(b => b.LiftedAt, now), ct);
        var redisDb = redis.GetDatabase();
        await redisDb.SortedSetRemoveAsync(BanKeys.For(kind), subject);
        await redisDb.PublishAsync(BanKeys.Changes, BanKeys.LiftedMessage(kind, subject));

        metrics.BanChanged(kind, "unban");
        Log.Unbanned(logger, kind, subject, By(by), lifted);
        return lifted;
    }

    public Task<BanRecord?> FindActiveAsync(string kind, string subject, CancellationToken ct) =>
        Active(Now()).Where(b => b.Kind == kind && b.Subject == subject).OrderByDescending(b => b.Id).FirstOrDefaultAsync(ct);

    public async Task<(List<BanRecord> Bans, long NextAfterId)> ListAsync(string? kind, int pageSize, long beforeId, CancellationToken ct)
    {
        var query = Active(Now());
        if (kind is not null)
        {
            query = query.Where(b => b.Kind == kind);
        }

        if (beforeId > 0)
        {
            query = query.Where(b => b.Id < beforeId);
        }

        var bans = await query.OrderByDescending(b => b.Id).Take(pageSize + 1).ToListAsync(ct);
        var hasMore = bans.Count > pageSize;
        if (hasMore)
        {
            bans.RemoveAt(bans.Count - 1);
        }

        return (bans, hasMore ? bans[^1].Id : 0);
    }

    /// <summary>Every active ban, for re-mirroring.</summary>
    public Task<List<BanRecord>> AllActiveAsync(CancellationToken ct) => Active(Now()).ToListAsync(ct);

    public static double ExpiryScore(BanRecord record) =>
        record.ExpiresAt is { } expires ? new DateTimeOffset(expires).ToUnixTimeMilliseconds() : double.PositiveInfinity;

    public static bool TryCanonicalIp(string? text, out string canonical)
    {
        if (IPAddress.TryParse((text ?? string.Empty).Trim(), out var address))
        {
            canonical = BanKeys.CanonicalIp(address);
            return true;
        }

        canonical = string.Empty;
        return false;
    }

    public static string ValidateReason(string? reason)
    {
        var value = (reason ?? string.Empty).Trim();
        if (value.Length == 0 || value.Length > MaxReasonLength)
        {
            RpcErrors.InvalidArgument($"reason must be 1 to {MaxReasonLength} characters; got {value.Length}.");
        }

        return value;
    }

    private IQueryable<BanRecord> Active(DateTime now) =>
        db.Bans.AsNoTracking().Where(b => b.LiftedAt == null && (b.ExpiresAt == null || b.ExpiresAt > now));

    private static string By(long userId) => userId == 0 ? "an internal caller" : $"user {userId}";

    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }
}
