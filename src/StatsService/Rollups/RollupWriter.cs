using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Live.StatsService.Data;
using Live.StatsService.Facts;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Live.StatsService.Rollups;

/// <summary>
/// Adds a batch to the per-minute rollups in MySQL. The partitions' applied offsets (`stats_offsets`) are read
/// with a row lock and moved in the same transaction as the rollups, so records at or below them — a replay, a
/// restart mid-stream — are skipped. Gifts are also counted once per idempotency key (`stats_applied_gifts`).
/// A deleted message is subtracted from its minute when the Redis step found it counted (its verdict names the
/// delete's record position, so a duplicate delete record at another offset subtracts nothing).
/// </summary>
public sealed class RollupWriter(IServiceScopeFactory scopes, TimeProvider time)
{
    private const int RowsPerStatement = 500;

    // Rollup rows carry no parameters (see UpsertRollupsAsync), so a statement can hold more of them.
    private const int RollupRowsPerStatement = 2_000;

    /// <summary>
    /// Adds the records past the stored offsets to the rollups, raises the minutes' unique senders to the counts
    /// of their HyperLogLogs (read by the Redis step after it applied the batch, so a replay brings the same or
    /// higher counts) and moves the offsets: one transaction. The counts go in even for records already applied:
    /// raising to a count is idempotent.
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<PartitionSlice> slices, AppliedEffects redisApplied, CancellationToken ct)
    {
        var uniqueSenders = redisApplied.UniqueSenders;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StatsDbContext>();
        await db.Database.OpenConnectionAsync(ct);
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var applied = await LockOffsetsAsync(connection, transaction, slices, ct);
        var rollups = new Dictionary<(long Room, long Minute), Rollup>(uniqueSenders.Count);
        var gifts = new List<GiftFact>();
        var advanced = new List<(TopicPartition Partition, long Offset)>();
        foreach (var slice in slices)
        {
            var watermark = applied.GetValueOrDefault((slice.Partition.Topic, slice.Partition.Partition.Value), -1);
            if (slice.LastOffset <= watermark)
            {
                continue;
            }

            advanced.Add((slice.Partition, slice.LastOffset));
            foreach (var fact in slice.Facts)
            {
                if (fact.Offset <= watermark)
                {
                    continue;
                }

                if (fact is MessageFact message)
                {
                    Get(rollups, message.RoomId, message.TimeMs / 60_000).Messages++;
                }
                else if (fact is GiftFact gift)
                {
                    gifts.Add(gift);
                }
                else if (fact is DeleteFact delete && redisApplied.CountedDeletes.Contains((slice.Partition.Topic, slice.Partition.Partition.Value, delete.Offset)))
                {
                    Get(rollups, delete.RoomId, delete.TimeMs / 60_000).Messages--;
                }
            }
        }

        if (advanced.Count == 0)
        {
            // All of it was applied before, unique senders included (same transaction).
            await transaction.RollbackAsync(ct);
            return;
        }

        foreach (var gift in await KeepFirstCountedAsync(connection, transaction, gifts, ct))
        {
            var rollup = Get(rollups, gift.RoomId, gift.TimeMs / 60_000);
            rollup.Gifts += gift.Count;
            rollup.GiftValue += gift.Value;
        }

        foreach (var (minute, count) in uniqueSenders)
        {
            Get(rollups, minute.Room, minute.Minute).UniqueSenders = count;
        }

        await UpsertRollupsAsync(connection, transaction, rollups, ct);
        await SaveOffsetsAsync(connection, transaction, advanced, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Raises the minutes' peak viewers to the sampled counts (samples only ever raise a peak).</summary>
    public async Task RecordViewerPeaksAsync(IReadOnlyList<(long RoomId, long Viewers)> samples, DateTimeOffset at, CancellationToken ct)
    {
        if (samples.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StatsDbContext>();
        await db.Database.OpenConnectionAsync(ct);
        var connection = (MySqlConnection)db.Database.GetDbConnection();
        var minute = MinuteStart(at.ToUnixTimeMilliseconds());
        foreach (var chunk in samples.OrderBy(s => s.RoomId).Chunk(RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            var sql = new StringBuilder("INSERT INTO room_minute_rollups (room_id, minute, messages, gifts, gift_value, unique_senders, peak_viewers) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? string.Empty : ",").Append($"(@r{i}, @m, 0, 0, 0, 0, @v{i})");
                command.Parameters.AddWithValue($"@r{i}", chunk[i].RoomId);
                command.Parameters.AddWithValue($"@v{i}", chunk[i].Viewers);
            }

            command.Parameters.AddWithValue("@m", minute);
            sql.Append(" ON DUPLICATE KEY UPDATE peak_viewers = GREATEST(peak_viewers, VALUES(peak_viewers))");
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Deletes rollups past retention and gift keys past the dedup window, a bounded chunk per call.</summary>
    public async Task<int> PruneAsync(int rollupRetentionDays, int giftDedupDays, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StatsDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        var rollupCutoff = now.AddDays(-rollupRetentionDays);
        var giftCutoff = now.AddDays(-giftDedupDays);
        var deleted = await db.Database.ExecuteSqlAsync($"DELETE FROM room_minute_rollups WHERE minute < {rollupCutoff} LIMIT 10000", ct);
        deleted += await db.Database.ExecuteSqlAsync($"DELETE FROM stats_applied_gifts WHERE applied_at < {giftCutoff} LIMIT 10000", ct);
        return deleted;
    }

    private static async Task<Dictionary<(string, int), long>> LockOffsetsAsync(
        MySqlConnection connection, MySqlTransaction transaction, IReadOnlyList<PartitionSlice> slices, CancellationToken ct)
    {
        await using var command = new MySqlCommand { Connection = connection, Transaction = transaction };
        var topics = slices.Select(s => s.Partition.Topic).Distinct().ToList();
        var names = new List<string>();
        for (var i = 0; i < topics.Count; i++)
        {
            names.Add($"@t{i}");
            command.Parameters.AddWithValue($"@t{i}", topics[i]);
        }

        command.CommandText = $"SELECT topic, partition_id, applied_offset FROM stats_offsets WHERE topic IN ({string.Join(",", names)}) FOR UPDATE";
        var offsets = new Dictionary<(string, int), long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            offsets[(reader.GetString(0), reader.GetInt32(1))] = reader.GetInt64(2);
        }

        return offsets;
    }

    /// <summary>The gifts not counted before (by this batch or an earlier one), now recorded as counted.</summary>
    private async Task<List<GiftFact>> KeepFirstCountedAsync(MySqlConnection connection, MySqlTransaction transaction, List<GiftFact> gifts, CancellationToken ct)
    {
        var fresh = new List<GiftFact>();
        if (gifts.Count == 0)
        {
            return fresh;
        }

        var batchKeys = new HashSet<string>(StringComparer.Ordinal);
        var candidates = gifts.Where(g => batchKeys.Add(g.Key)).ToList();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in candidates.Chunk(RowsPerStatement))
        {
            await using var command = new MySqlCommand { Connection = connection, Transaction = transaction };
            var names = new List<string>();
            for (var i = 0; i < chunk.Length; i++)
            {
                names.Add($"@k{i}");
                command.Parameters.AddWithValue($"@k{i}", chunk[i].Key);
            }

            command.CommandText = $"SELECT idempotency_key FROM stats_applied_gifts WHERE idempotency_key IN ({string.Join(",", names)})";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                known.Add(reader.GetString(0));
            }
        }

        fresh.AddRange(candidates.Where(g => !known.Contains(g.Key)));
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var chunk in fresh.Chunk(RowsPerStatement))
        {
            await using var command = new MySqlCommand { Connection = connection, Transaction = transaction };
            var sql = new StringBuilder("INSERT INTO stats_applied_gifts (idempotency_key, applied_at) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? string.Empty : ",").Append($"(@k{i}, @at)");
                command.Parameters.AddWithValue($"@k{i}", chunk[i].Key);
            }

            command.Parameters.AddWithValue("@at", now);
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(ct);
        }

        return fresh;
    }

    private static async Task UpsertRollupsAsync(MySqlConnection connection, MySqlTransaction transaction, Dictionary<(long Room, long Minute), Rollup> rollups, CancellationToken ct)
    {
        // Rows in key order in every writer, so concurrent upserts queue on row locks instead of deadlocking.
        // The values are integers this process formats itself, written as literals: a batch has thousands of
        // them, and parameters would cost an object each plus the client's parsing of the statement.
        var sorted = rollups.ToArray();
        Array.Sort(sorted, (a, b) => a.Key.CompareTo(b.Key));
        var sql = new StringBuilder();
        for (var start = 0; start < sorted.Length; start += RollupRowsPerStatement)
        {
            sql.Clear().Append("INSERT INTO room_minute_rollups (room_id, minute, messages, gifts, gift_value, unique_senders, peak_viewers) VALUES ");
            var end = Math.Min(sorted.Length, start + RollupRowsPerStatement);
            for (var i = start; i < end; i++)
            {
                var ((room, minute), rollup) = sorted[i];
                sql.Append(CultureInfo.InvariantCulture, $"{(i == start ? "" : ",")}({room},'{DateTime.UnixEpoch.AddMinutes(minute):yyyy-MM-dd HH:mm:ss}',")
                    .Append(CultureInfo.InvariantCulture, $"{rollup.Messages},{rollup.Gifts},{rollup.GiftValue},{rollup.UniqueSenders},0)");
            }

            sql.Append(" ON DUPLICATE KEY UPDATE messages = messages + VALUES(messages), gifts = gifts + VALUES(gifts), "
                + "gift_value = gift_value + VALUES(gift_value), unique_senders = GREATEST(unique_senders, VALUES(unique_senders))");
            await using var command = new MySqlCommand(sql.ToString(), connection, transaction);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private async Task SaveOffsetsAsync(MySqlConnection connection, MySqlTransaction transaction, List<(TopicPartition Partition, long Offset)> advanced, CancellationToken ct)
    {
        await using var command = new MySqlCommand { Connection = connection, Transaction = transaction };
        var sql = new StringBuilder("INSERT INTO stats_offsets (topic, partition_id, applied_offset, updated_at) VALUES ");
        for (var i = 0; i < advanced.Count; i++)
        {
            sql.Append(i == 0 ? string.Empty : ",").Append($"(@t{i}, @p{i}, @o{i}, @at)");
            command.Parameters.AddWithValue($"@t{i}", advanced[i].Partition.Topic);
            command.Parameters.AddWithValue($"@p{i}", advanced[i].Partition.Partition.Value);
            command.Parameters.AddWithValue($"@o{i}", advanced[i].Offset);
        }

        command.Parameters.AddWithValue("@at", time.GetUtcNow().UtcDateTime);
        sql.Append(" ON DUPLICATE KEY UPDATE applied_offset = VALUES(applied_offset), updated_at = VALUES(updated_at)");
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(ct);
    }

    private static Rollup Get(Dictionary<(long, long), Rollup> rollups, long roomId, long minute)
    {
        var key = (roomId, minute);
        if (!rollups.TryGetValue(key, out var rollup))
        {
            rollups[key] = rollup = new Rollup();
        }

        return rollup;
    }

    private static DateTime MinuteStart(long timeMs) => DateTime.UnixEpoch.AddMinutes(timeMs / 60_000);

    private sealed class Rollup
    {
        public long Messages { get; set; }
        public long Gifts { get; set; }
        public long GiftValue { get; set; }
        public long UniqueSenders { get; set; }
    }
}
