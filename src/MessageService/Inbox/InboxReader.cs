using Live.MessageService.Inbox.Data;
using Live.ServiceDefaults.Grpc;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Live.MessageService.Inbox;

/// <summary>ListInbox, MarkRead and the whisper setting: reads by primary key and single-row updates.</summary>
public sealed class InboxReader(IDbContextFactory<InboxDbContext> contexts, IOptions<InboxOptions> options, TimeProvider time)
{
    public async Task<ListInboxResponse> ListAsync(long userId, long afterSeq, int limit, CancellationToken ct)
    {
        var cutoff = RetentionCutoffMs();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserId == userId, ct);
        var response = new ListInboxResponse();
        if (user is null)
        {
            return response;
        }

        var rows = await db.Messages.AsNoTracking()
            .Where(m => m.UserId == userId && m.Seq > afterSeq && m.CreatedMs >= cutoff)
            .OrderBy(m => m.Seq)
            .Take(limit)
            .ToListAsync(ct);
        response.Messages.AddRange(rows.Select(ToMessage));
        response.LatestSeq = user.LatestSeq;
        response.ReadSeq = user.ReadSeq;
        response.Dropped = user.Dropped;
        response.Unread = await CountUnreadAsync(db, userId, user.ReadSeq, cutoff, ct);
        return response;
    }

    /// <summary>Cumulative and never backwards: read_seq becomes max(read_seq, seq).</summary>
    public async Task<MarkReadResponse> MarkReadAsync(long userId, long seq, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var updated = await db.Users
            .Where(u => u.UserId == userId && u.LatestSeq >= seq)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.ReadSeq, u => u.ReadSeq > seq ? u.ReadSeq : seq), ct);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserId == userId, ct);
        if (updated == 0 && seq > (user?.LatestSeq ?? 0))
        {
            RpcErrors.InvalidArgument($"seq {seq} is above user {userId}'s latest seq {user?.LatestSeq ?? 0}.");
        }

        var readSeq = user?.ReadSeq ?? 0;
        return new MarkReadResponse { ReadSeq = readSeq, Unread = await CountUnreadAsync(db, userId, readSeq, RetentionCutoffMs(), ct) };
    }

    public async Task<InboxSettings> GetSettingsAsync(long userId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var accepts = await db.Users.AsNoTracking().Where(u => u.UserId == userId).Select(u => (bool?)u.AcceptWhispers).FirstOrDefaultAsync(ct);
        return new InboxSettings { UserId = userId, AcceptWhispers = accepts ?? true };
    }

    public async Task<InboxSettings> SetSettingsAsync(long userId, bool acceptWhispers, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO inbox_users (user_id, latest_seq, read_seq, dropped, accept_whispers, updated_at) VALUES ({userId}, 0, 0, 0, {acceptWhispers}, {time.GetUtcNow().UtcDateTime}) ON DUPLICATE KEY UPDATE accept_whispers = VALUES(accept_whispers), updated_at = VALUES(updated_at)",
            ct);
        return new InboxSettings { UserId = userId, AcceptWhispers = acceptWhispers };
    }

    /// <summary>Messages at or after this time are kept; older ones are neither listed nor counted.</summary>
    public long RetentionCutoffMs() => time.GetUtcNow().AddDays(-options.Value.RetentionDays).ToUnixTimeMilliseconds();

    private static Task<int> CountUnreadAsync(InboxDbContext db, long userId, long readSeq, long cutoff, CancellationToken ct) =>
        db.Messages.CountAsync(m => m.UserId == userId && m.Seq > readSeq && m.CreatedMs >= cutoff, ct);

    private static InboxMessage ToMessage(InboxMessageRecord row) => new()
    {
        UserId = row.UserId,
        Seq = row.Seq,
        Kind = (InboxKind)row.Kind,
        FromUserId = row.Sender,
        FromUserName = row.FromUserName,
        Content = row.Content,
        RoomId = row.RoomId,
        DurationSeconds = row.DurationSeconds,
        CreatedMs = row.CreatedMs,
    };
}
