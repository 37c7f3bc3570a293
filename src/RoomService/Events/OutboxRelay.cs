using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Live.RoomService.Data;
using Live.RoomService.Telemetry;
using Live.ServiceDefaults.Kafka;
using Microsoft.EntityFrameworkCore;

namespace Live.RoomService.Events;

/// <summary>
/// Publishes `room_outbox` rows to Kafka `room-events` (key = room id) in commit order, then deletes them.
/// One relay is active across all RoomService processes (a MariaDB named lock), which keeps per-room order;
/// the others stand by. Delivery is at least once: a crash between the ack and the delete republishes, and
/// consumers drop duplicates by event id. While Kafka is down, rows wait in the table and the relay backs off.
/// </summary>
public sealed class OutboxRelay(
    IServiceScopeFactory scopes,
    IProducer<string, byte[]> producer,
    OutboxSignal signal,
    RoomMetrics metrics,
    TimeProvider time,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    public const string Topic = "room-events";
    private const int BatchSize = 200;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly byte[] ContentType = Encoding.ASCII.GetBytes("application/x-protobuf; type=live.v1.RoomEvent");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
                Log.OutboxRelayError(logger, (int)delay.TotalMilliseconds, ex);
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
        var db = scope.ServiceProvider.GetRequiredService<RoomsDbContext>();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // The lock is named after the database, so environments sharing a server do not block each other.
            var acquired = await db.Database.SqlQuery<int?>($"SELECT GET_LOCK(CONCAT('room_outbox_relay.', DATABASE()), 0) AS Value").SingleAsync(ct);
            if (acquired != 1)
            {
                return BatchOutcome.Standby;
            }

            try
            {
                return await PublishLockedAsync(db, ct);
            }
            finally
            {
                await db.Database.SqlQuery<int?>($"SELECT RELEASE_LOCK(CONCAT('room_outbox_relay.', DATABASE())) AS Value").SingleAsync(CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<BatchOutcome> PublishLockedAsync(RoomsDbContext db, CancellationToken ct)
    {
        var rows = await db.Outbox.AsNoTracking().OrderBy(o => o.Id).Take(BatchSize).ToListAsync(ct);
        if (rows.Count == 0)
        {
            return BatchOutcome.Empty;
        }

        var deliveries = new Task<DeliveryResult<string, byte[]>>[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            deliveries[i] = Produce(rows[i], ct);
        }

        // Only the in-order prefix that Kafka acknowledged is removed, so a failed row is retried with
        // everything after it and per-room order holds.
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
            await db.Outbox.Where(o => o.Id <= lastId).ExecuteDeleteAsync(CancellationToken.None);
            metrics.OutboxPublished(acknowledged, (time.GetUtcNow().UtcDateTime - rows[0].CreatedAt).TotalMilliseconds);
        }

        if (failure is not null)
        {
            var firstFailed = rows[acknowledged].Id;
            var lastRow = rows[^1].Id;
            await db.Outbox.Where(o => o.Id >= firstFailed && o.Id <= lastRow)
                .ExecuteUpdateAsync(set => set.SetProperty(o => o.Attempts, o => o.Attempts + 1), CancellationToken.None);
            metrics.OutboxFailed(rows.Count - acknowledged);
            Log.OutboxPublishFailed(logger, rows.Count - acknowledged, rows[acknowledged].Attempts + 1, (int)Backoff(1).TotalMilliseconds, failure);
            return BatchOutcome.Failed;
        }

        return rows.Count == BatchSize ? BatchOutcome.Full : BatchOutcome.Partial;
    }

    private Task<DeliveryResult<string, byte[]>> Produce(OutboxRecord row, CancellationToken ct)
    {
        ActivityContext.TryParse(row.TraceParent, row.TraceState, isRemote: true, out var parent);
        using var activity = RoomMetrics.ActivitySource.StartActivity($"{Topic} publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", Topic);
        activity?.SetTag("messaging.message.id", row.EventId);

        var headers = new Headers
        {
            { "event-id", Encoding.ASCII.GetBytes(row.EventId) },
            { "event-type", Encoding.ASCII.GetBytes(row.EventType) },
            { "content-type", ContentType },
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
            Key = row.RoomId.ToString(CultureInfo.InvariantCulture),
            Value = row.Payload,
            Headers = headers,
            Timestamp = new Timestamp(row.CreatedAt),
        };
        return producer.ProduceAsync(Topic, message, ct);
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
