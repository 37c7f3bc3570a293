using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Live.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Live.Outbox;

/// <summary>What a relay publishes where; one per outbox table.</summary>
/// <param name="Topic">Kafka topic the rows go to.</param>
/// <param name="LockName">MariaDB named-lock prefix; the database name is appended so environments sharing a server do not block each other.</param>
/// <param name="ContentType">Value of the record's content-type header.</param>
/// <param name="ActivitySource">Source of the publish spans.</param>
public sealed record OutboxRelaySettings(string Topic, string LockName, string ContentType, ActivitySource ActivitySource);

/// <summary>
/// Publishes outbox rows to Kafka in commit order (key = <see cref="IOutboxRecord.MessageKey"/>), then deletes
/// them. One relay per outbox is active across all processes (a MariaDB named lock), which keeps per-key order;
/// the others stand by. Delivery is at least once: a crash between the ack and the delete republishes, and
/// consumers drop duplicates by event id. While Kafka is down, rows wait in the table and the relay backs off.
/// </summary>
public abstract class OutboxRelay<TContext, TRecord>(
    IServiceScopeFactory scopes,
    IProducer<string, byte[]> producer,
    OutboxSignal signal,
    TimeProvider time,
    ILogger logger) : BackgroundService
    where TContext : DbContext
    where TRecord : class, IOutboxRecord
{
    private const int BatchSize = 200;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private byte[]? contentType;

    protected abstract OutboxRelaySettings Settings { get; }

    /// <summary>Rows acknowledged by Kafka and deleted; <paramref name="lagMs"/> is commit-to-ack time of the oldest.</summary>
    protected virtual void OnPublished(int count, double lagMs)
    {
    }

    /// <summary>Rows whose publish failed and will be retried.</summary>
    protected virtual void OnFailed(int count)
    {
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        contentType = Encoding.ASCII.GetBytes(Settings.ContentType);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var outcome = await PublishBatchAsync(stoppingToken);
                if (outcome == BatchOutcome.Failed)
                {
                    failures++;
                    await Task.Delay(Backoff(failures), stoppingToken);
                    continue;
                }

                failures = 0;
                if (outcome != BatchOutcome.Full)
                {
                    await signal.WaitAsync(PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = Backoff(failures);
                OutboxLog.RelayError(logger, Settings.Topic, (int)delay.TotalMilliseconds, ex);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<BatchOutcome> PublishBatchAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var lockName = Settings.LockName + ".";
        // Not cancelled by a stop: EF logs a cancelled open as a database error; the open is bounded by its connect timeout.
        await db.Database.OpenConnectionAsync(CancellationToken.None);
        try
        {
            var acquired = await db.Database.SqlQuery<int?>($"SELECT GET_LOCK(CONCAT({lockName}, DATABASE()), 0) AS Value").SingleAsync(ct);
            if (acquired != 1)
            {
                OutboxBacklog.StandingBy(Settings.Topic);
                return BatchOutcome.Standby;
            }

            try
            {
                return await PublishLockedAsync(db, ct);
            }
            finally
            {
                await db.Database.SqlQuery<int?>($"SELECT RELEASE_LOCK(CONCAT({lockName}, DATABASE())) AS Value").SingleAsync(CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<BatchOutcome> PublishLockedAsync(TContext db, CancellationToken ct)
    {
        var outbox = db.Set<TRecord>();
        var rows = await outbox.AsNoTracking().OrderBy(o => o.Id).Take(BatchSize).ToListAsync(ct);
        if (rows.Count == 0)
        {
            OutboxBacklog.Empty(Settings.Topic);
            return BatchOutcome.Empty;
        }

        OutboxBacklog.Waiting(Settings.Topic, rows[0].CreatedAt);

        var deliveries = new Task<DeliveryResult<string, byte[]>>[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            deliveries[i] = Produce(rows[i], ct);
        }

        // Only the in-order prefix that Kafka acknowledged is removed, so a failed row is retried with
        // everything after it and per-key order holds.
        var acknowledged = 0;
        string? failure = null;
        foreach (var delivery in deliveries)
        {
            try
            {
                await delivery;
                if (failure is null)
                {
                    acknowledged++;
                }
            }
            catch (ProduceException<string, byte[]> ex)
            {
                failure ??= ex.Error.Reason;
            }
        }

        if (acknowledged > 0)
        {
            var lastId = rows[acknowledged - 1].Id;
            await outbox.Where(o => o.Id <= lastId).ExecuteDeleteAsync(CancellationToken.None);
            OnPublished(acknowledged, (time.GetUtcNow().UtcDateTime - rows[0].CreatedAt).TotalMilliseconds);
            if (acknowledged < rows.Count)
            {
                OutboxBacklog.Waiting(Settings.Topic, rows[acknowledged].CreatedAt);
            }
            else if (rows.Count < BatchSize)
            {
                OutboxBacklog.Empty(Settings.Topic);
            }
        }

        if (failure is not null)
        {
            var firstFailed = rows[acknowledged].Id;
            var lastRow = rows[^1].Id;
            var entity = db.Model.FindEntityType(typeof(TRecord))!;
            var table = entity.GetTableName();
            var idColumn = entity.FindProperty(nameof(IOutboxRecord.Id))!.GetColumnName();
            var attemptsColumn = entity.FindProperty(nameof(IOutboxRecord.Attempts))!.GetColumnName();
#pragma warning disable EF1002 // Identifiers come from the EF model, values are parameters.
            await db.Database.ExecuteSqlRawAsync(
                $"UPDATE `{table}` SET `{attemptsColumn}` = `{attemptsColumn}` + 1 WHERE `{idColumn}` >= {{0}} AND `{idColumn}` <= {{1}}",
                [firstFailed, lastRow],
                CancellationToken.None);
#pragma warning restore EF1002
            OnFailed(rows.Count - acknowledged);
            OutboxLog.PublishFailed(logger, rows.Count - acknowledged, Settings.Topic, rows[acknowledged].Attempts + 1, (int)Backoff(1).TotalMilliseconds, failure);
            return BatchOutcome.Failed;
        }

        return rows.Count == BatchSize ? BatchOutcome.Full : BatchOutcome.Partial;
    }

    private Task<DeliveryResult<string, byte[]>> Produce(TRecord row, CancellationToken ct)
    {
        var settings = Settings;
        ActivityContext.TryParse(row.TraceParent, row.TraceState, isRemote: true, out var parent);
        using var activity = settings.ActivitySource.StartActivity($"{settings.Topic} publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", settings.Topic);
        activity?.SetTag("messaging.message.id", row.EventId);

        var headers = new Headers
        {
            { "event-id", Encoding.ASCII.GetBytes(row.EventId) },
            { "event-type", Encoding.ASCII.GetBytes(row.EventType) },
            { "content-type", contentType },
        };
        if (activity is not null)
        {
            KafkaTraceContext.Inject(headers, activity);
        }
        else if (row.TraceParent is not null)
        {
            headers.Add(KafkaTraceContext.TraceParentHeader, Encoding.ASCII.GetBytes(row.TraceParent));
        }

        var message = new Message<string, byte[]>
        {
            Key = row.MessageKey(),
            Value = row.Payload,
            Headers = headers,
            Timestamp = new Timestamp(row.CreatedAt),
        };
        return producer.ProduceAsync(settings.Topic, message, ct);
    }

    private static TimeSpan Backoff(int failures) => TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * (1 << Math.Min(failures, 5))));

    private enum BatchOutcome
    {
        Empty,
        Partial,
        Full,
        Failed,
        Standby,
    }
}

internal static partial class OutboxLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Publishing {Count} {Topic} event(s) failed (attempt {Attempt}); retrying in {DelayMs} ms: {Reason}")]
    public static partial void PublishFailed(ILogger logger, int count, string topic, int attempt, int delayMs, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "The {Topic} outbox relay failed; retrying in {DelayMs} ms")]
    public static partial void RelayError(ILogger logger, string topic, int delayMs, Exception exception);
}
