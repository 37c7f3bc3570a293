using System.Security.Cryptography;
using System.Text;
using Live.ServiceDefaults.Grpc;
using Live.UserService.Data;
using Live.UserService.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Live.UserService.Tokens;

/// <summary>
/// Opaque refresh tokens (256 random bits), stored as SHA-256 hashes. Each is good for one trade: the
/// trade is one conditional UPDATE, so of two racing uses exactly one wins, and a token presented after
/// its trade is treated as stolen and revokes its whole family.
/// </summary>
public sealed class RefreshTokenStore(UsersDbContext db, IOptions<TokenIssuingOptions> options, TimeProvider time, UserMetrics metrics, ILogger<RefreshTokenStore> logger)
{
    public const int MaxTokenLength = 128;

    public sealed record Issued(string Token, DateTime ExpiresAt);

    public Task<Issued> IssueNewFamilyAsync(long userId, CancellationToken ct) =>
        IssueAsync(userId, Guid.NewGuid().ToString("N"), ct);

    /// <summary>Marks the token used and issues its successor; the user id it belonged to comes back with it.</summary>
    public async Task<(long UserId, Issued Next)> RotateAsync(string token, CancellationToken ct)
    {
        var hash = Hash(token);
        var record = await db.RefreshTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (record is null)
        {
            metrics.Refresh("invalid");
            RpcErrors.Unauthenticated("The refresh token is not valid.");
        }

        if (record.RevokedAt is not null)
        {
            metrics.Refresh("revoked");
            RpcErrors.Unauthenticated("The refresh token was revoked; sign in again.");
        }

        if (record.UsedAt is not null)
        {
            await RejectReuseAsync(record, ct);
        }

        var now = Now();
        if (record.ExpiresAt <= now)
        {
            metrics.Refresh("expired");
            RpcErrors.Unauthenticated("The refresh token has expired; sign in again.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var claimed = await db.RefreshTokens
            .Where(t => t.Id == record.Id && t.UsedAt == null && t.RevokedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.UsedAt, now), ct);
        if (claimed == 0)
        {
            await transaction.RollbackAsync(ct);
            await RejectReuseAsync(record, ct);
        }

        var next = await IssueAsync(record.UserId, record.FamilyId, ct);
        await transaction.CommitAsync(ct);
        metrics.Refresh("ok");
        return (record.UserId, next);
    }

    /// <summary>Revokes the family of <paramref name="token"/>; false when there was nothing left to revoke.</summary>
    public async Task<bool> RevokeFamilyOfAsync(string token, string reason, CancellationToken ct)
    {
        var hash = Hash(token);
        var familyId = await db.RefreshTokens.Where(t => t.TokenHash == hash).Select(t => t.FamilyId).FirstOrDefaultAsync(ct);
        return familyId is not null && await RevokeFamilyAsync(familyId, reason, ct) > 0;
    }

    private async Task RejectReuseAsync(RefreshTokenRecord record, CancellationToken ct)
    {
        var revoked = await RevokeFamilyAsync(record.FamilyId, "reused", ct);
        metrics.Refresh("reused");
        Log.RefreshTokenReuse(logger, record.UserId, record.FamilyId, revoked);
        RpcErrors.Unauthenticated("The refresh token was already used; every session of this sign-in has been revoked. Sign in again.");
    }

    private Task<int> RevokeFamilyAsync(string familyId, string reason, CancellationToken ct)
    {
        var now = Now();
        return db.RefreshTokens
            .Where(t => t.FamilyId == familyId && t.RevokedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.RevokedReason, reason), ct);
    }

    private async Task<Issued> IssueAsync(long userId, string familyId, CancellationToken ct)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = Now();
        var record = new RefreshTokenRecord
        {
            UserId = userId,
            FamilyId = familyId,
            TokenHash = Hash(token),
            CreatedAt = now,
            ExpiresAt = now.AddDays(options.Value.RefreshTokenDays),
        };
        db.RefreshTokens.Add(record);
        await db.SaveChangesAsync(ct);
        db.Entry(record).State = EntityState.Detached;
        return new Issued(token, record.ExpiresAt);
    }

    /// <summary>A plain SHA-256 suffices: the token is 256 random bits, so there is nothing to guess or precompute.</summary>
    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }
}
