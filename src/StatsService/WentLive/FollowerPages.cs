using Live.StatsService.Data;
using Microsoft.EntityFrameworkCore;

namespace Live.StatsService.WentLive;

/// <summary>An anchor's followers by keyset on (anchor_user_id, user_id) — the ix_follows_anchor index — a page at a time.</summary>
public sealed class FollowerPages(IServiceScopeFactory scopes)
{
    /// <returns>Up to <paramref name="size"/> follower ids above <paramref name="afterUserId"/>, ascending.</returns>
    public async Task<List<long>> ReadAsync(long anchorUserId, long afterUserId, int size, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StatsDbContext>();
        return await db.Follows.AsNoTracking()
            .Where(f => f.AnchorUserId == anchorUserId && f.UserId > afterUserId)
            .OrderBy(f => f.UserId)
            .Select(f => f.UserId)
            .Take(size)
            .ToListAsync(ct);
    }
}
