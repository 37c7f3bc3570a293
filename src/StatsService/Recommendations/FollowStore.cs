using Live.ServiceDefaults.Grpc;
using Live.StatsService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Live.StatsService.Recommendations;

/// <summary>Who follows which anchors (MySQL `follows`), capped per user.</summary>
public sealed class FollowStore(StatsDbContext db, IOptions<RecommendationOptions> options, TimeProvider time)
{
    public async Task FollowAsync(long userId, long anchorUserId, CancellationToken ct)
    {
        if (userId == anchorUserId)
        {
            RpcErrors.InvalidArgument("users cannot follow themselves.");
        }

        var count = await db.Follows.CountAsync(f => f.UserId == userId, ct);
        if (count >= options.Value.MaxFollowing && !await db.Follows.AnyAsync(f => f.UserId == userId && f.AnchorUserId == anchorUserId, ct))
        {
            RpcErrors.FailedPrecondition($"user {userId} already follows {count} anchors, the most allowed.");
        }

        // INSERT IGNORE: following twice is not an error and keeps the first time.
        await db.Database.ExecuteSqlAsync(
            $"INSERT IGNORE INTO follows (user_id, anchor_user_id, created_at) VALUES ({userId}, {anchorUserId}, {time.GetUtcNow().UtcDateTime})", ct);
    }

    public Task UnfollowAsync(long userId, long anchorUserId, CancellationToken ct) =>
        db.Follows.Where(f => f.UserId == userId && f.AnchorUserId == anchorUserId).ExecuteDeleteAsync(ct);

    /// <summary>Most recently followed first.</summary>
    public Task<List<long>> ListAsync(long userId, CancellationToken ct) =>
        db.Follows.AsNoTracking()
            .Where(f => f.UserId == userId)
            .OrderByDescending(f => f.CreatedAt).ThenByDescending(f => f.AnchorUserId)
            .Select(f => f.AnchorUserId)
            .Take(options.Value.MaxFollowing)
            .ToListAsync(ct);
}
