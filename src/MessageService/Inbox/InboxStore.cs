using System.Data;
using System.Globalization;
using System.Text;
using Live.MessageService.Inbox.Data;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Live.MessageService.Inbox;

/// <summary>
/// Stores messages and numbers them in each recipient's sequence (ADR 0012). One transaction per call, one
/// statement per step for all recipients: lock the recipients' inbox_users rows (ascending ids, so two sends
/// never deadlock on them), find the key among their messages, insert the new ones at latest_seq + 1, trim
/// the inboxes over the cap into `dropped`, commit — then publish each new message on its user's channel.
/// </summary>
public sealed class InboxStore(
    IDbContextFactory<InboxDbContext> contexts,
    InboxPublisher publisher,
    IOptions<InboxOptions> options,
    TimeProvider time,
    ILogger<InboxStore> logger)
{
    private const int MaxAttempts = 3;

    /// <param name="userIds">Distinct recipients.</param>
    /// <param name="requireAcceptsWhispers">Refuse (store nothing) when a recipient does not accept whispers.</param>
    public async Task<InboxSendResult> SendAsync(IReadOnlyCollection<long> userIds, InboxDraft draft, bool requireAcceptsWhispers, CancellationToken ct)
    {
        var recipients = userIds.Order().ToArray();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (result, stored) = await StoreAsync(recipients, draft, requireAcceptsWhispers, ct);
                if (stored.Count > 0)
                {
                    await publisher.PublishAsync(stored);
                }

                return result;
            }
            catch (MySqlException ex) when (ex.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout && attempt < MaxAttempts)
            {
                // Rolled back whole; the unique key makes the retry store each message at most once.
                InboxLog.SendRetried(logger, recipients.Length, attempt, ex.ErrorCode.ToString());
            }
        }
    }

    private async Task<(InboxSendResult Result, List<InboxMessage> Stored)> StoreAsync(
        long[] recipients, InboxDraft draft, bool requireAcceptsWhispers, CancellationToken ct)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var createdMs = now.ToUnixTimeMilliseconds();
        var ids = string.Join(',', recipients.Select(id => id.ToString(CultureInfo.InvariantCulture)));

        await using var db = await contexts.CreateDbContextAsync(ct);
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        // READ COMMITTED: the locking reads lock the rows they name and no gaps beside them.
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);

        // ON DUPLICATE KEY UPDATE, not INSERT IGNORE: it takes the existing row's exclusive lock at once, where
        // IGNORE's shared lock would be upgraded by the FOR UPDATE below and two senders could deadlock.
        var upsert = new StringBuilder("INSERT INTO inbox_users (user_id, latest_seq, read_seq, dropped, accept_whispers, updated_at) VALUES ");
        AppendRows(upsert, recipients, id => string.Create(CultureInfo.InvariantCulture, $"({id},0,0,0,1,@now)"));
        upsert.Append(" ON DUPLICATE KEY UPDATE user_id = user_id");
        await ExecuteAsync(connection, tx, upsert.ToString(), ct, ("@now", now.UtcDateTime));

        var latest = new Dictionary<long, long>(recipients.Length);
        var refusing = false;
        await using (var reader = await Command(connection, tx, $"SELECT user_id, latest_seq, accept_whispers FROM inbox_users WHERE user_id IN ({ids}) ORDER BY user_id FOR UPDATE").ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                latest[reader.GetInt64(0)] = reader.GetInt64(1);
                refusing |= requireAcceptsWhispers && !reader.GetBoolean(2);
            }
        }

        var deliveries = new List<InboxDelivery>(recipients.Length);
        var seen = new HashSet<long>();
        await using (var reader = await Command(connection, tx,
            $"SELECT user_id, seq, created_ms FROM inbox_messages WHERE sender = @sender AND idempotency_key = @key AND user_id IN ({ids})",
            ("@sender", draft.FromUserId), ("@key", draft.IdempotencyKey)).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                deliveries.Add(new InboxDelivery(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), Duplicate: true));
                seen.Add(reader.GetInt64(0));
            }
        }

        var fresh = recipients.Where(id => !seen.Contains(id)).ToArray();
        if (fresh.Length == 0 || refusing)
        {
            // Nothing new, or a whisper refused: a retry of a stored whisper still gets its first answer.
            await tx.RollbackAsync(ct);
            var status = fresh.Length > 0 ? InboxSendStatus.WhispersOff : InboxSendStatus.Stored;
            return (new InboxSendResult(status, status == InboxSendStatus.Stored ? deliveries : []), []);
        }

        var stored = new List<InboxMessage>(fresh.Length);
        var insert = new StringBuilder(
            "INSERT INTO inbox_messages (user_id, seq, sender, idempotency_key, kind, from_user_name, content, room_id, duration_seconds, created_ms) VALUES ");
        AppendRows(insert, fresh, id => string.Create(CultureInfo.InvariantCulture, $"({id},{latest[id] + 1},@sender,@key,@kind,@name,@content,@room,@duration,@created)"));
        await ExecuteAsync(connection, tx, insert.ToString(), ct,
            ("@sender", draft.FromUserId), ("@key", draft.IdempotencyKey), ("@kind", (byte)draft.Kind), ("@name", draft.FromUserName),
            ("@content", draft.Content), ("@room", draft.RoomId), ("@duration", draft.DurationSeconds), ("@created", createdMs));
        var freshIds = string.Join(',', fresh.Select(id => id.ToString(CultureInfo.InvariantCulture)));
        await ExecuteAsync(connection, tx, $"UPDATE inbox_users SET latest_seq = latest_seq + 1, updated_at = @now WHERE user_id IN ({freshIds})", ct, ("@now", now.UtcDateTime));

        foreach (var id in fresh)
        {
            deliveries.Add(new InboxDelivery(id, latest[id] + 1, createdMs, Duplicate: false));
            stored.Add(ToMessage(id, latest[id] + 1, draft, createdMs));
        }

        var overCap = fresh.Where(id => latest[id] + 1 > settings.MaxPerUser).ToArray();
        if (overCap.Length > 0)
        {
            await TrimAsync(connection, tx, overCap, settings.MaxPerUser, ct);
        }

        await tx.CommitAsync(ct);
        return (new InboxSendResult(InboxSendStatus.Stored, deliveries), stored);
    }

    /// <summary>Deletes what is over the cap (the oldest seqs) and adds each user's count to their `dropped`.</summary>
    private static async Task TrimAsync(MySqlConnection connection, MySqlTransaction tx, long[] userIds, int cap, CancellationToken ct)
    {
        var ids = string.Join(',', userIds.Select(id => id.ToString(CultureInfo.InvariantCulture)));
        const string overCap = "FROM inbox_messages m JOIN inbox_users u ON u.user_id = m.user_id WHERE m.user_id IN ({0}) AND m.seq <= u.latest_seq - @cap";
        var counts = new Dictionary<long, long>();
        await using (var reader = await Command(connection, tx, $"SELECT m.user_id, COUNT(*) {string.Format(CultureInfo.InvariantCulture, overCap, ids)} GROUP BY m.user_id", ("@cap", cap)).ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                counts[reader.GetInt64(0)] = reader.GetInt64(1);
            }
        }

        if (counts.Count == 0)
        {
            return;
        }

        await ExecuteAsync(connection, tx, $"DELETE m {string.Format(CultureInfo.InvariantCulture, overCap, ids)}", ct, ("@cap", cap));
        var update = new StringBuilder("UPDATE inbox_users SET dropped = dropped + CASE user_id");
        foreach (var (id, count) in counts)
        {
            update.Append(CultureInfo.InvariantCulture, $" WHEN {id} THEN {count}");
        }

        update.Append(CultureInfo.InvariantCulture, $" ELSE 0 END WHERE user_id IN ({string.Join(',', counts.Keys)})");
        await ExecuteAsync(connection, tx, update.ToString(), ct);
    }

    public static InboxMessage ToMessage(long userId, long seq, InboxDraft draft, long createdMs) => new()
    {
        UserId = userId,
        Seq = seq,
        Kind = draft.Kind,
        FromUserId = draft.FromUserId,
        FromUserName = draft.FromUserName,
        Content = draft.Content,
        RoomId = draft.RoomId,
        DurationSeconds = draft.DurationSeconds,
        CreatedMs = createdMs,
    };

    private static void AppendRows(StringBuilder sql, long[] userIds, Func<long, string> row)
    {
        for (var i = 0; i < userIds.Length; i++)
        {
            sql.Append(i == 0 ? string.Empty : ",").Append(row(userIds[i]));
        }
    }

    private static MySqlCommand Command(MySqlConnection connection, MySqlTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        var command = new MySqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private static async Task ExecuteAsync(MySqlConnection connection, MySqlTransaction tx, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, tx, sql, parameters);
        await command.ExecuteNonQueryAsync(ct);
    }
}
