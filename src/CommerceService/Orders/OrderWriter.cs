using System.Text;
using Confluent.Kafka;
using Live.CommerceService.Data;
using Live.CommerceService.Telemetry;
using Live.Kafka;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Live.CommerceService.Orders;

/// <summary>
/// Reads reservations from Kafka `orders` and inserts them into MySQL exactly once: INSERT IGNORE on the unique
/// (sale_id, seq) turns at-least-once delivery into one row. Offsets are committed only after the rows are, so
/// a writer that dies mid-batch leaves the batch to the next one, which inserts what is missing and skips the
/// rest. New orders are then paid from the buyer's balance where it suffices (the sweeper retries the others).
/// </summary>
public sealed class OrderWriter(
    IServiceScopeFactory scopes,
    IOptions<KafkaOptions> kafka,
    IOptions<CommerceOptions> options,
    CommerceMetrics metrics,
    TimeProvider time,
    ILogger<OrderWriter> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private readonly CommerceOptions settings = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // librdkafka's consumer calls block; the loop gets a thread of its own instead of a pool thread.
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        KafkaNativeLibrary.Load(kafka.Value.NativeLibraryPath);
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.Value.BootstrapServers,
            GroupId = settings.ConsumerGroup,
            ClientId = CommerceServiceApp.ServiceName,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 10_000,
        })
            .SetErrorHandler((_, error) => Log.ConsumerError(logger, error.Code, error.Reason))
            .Build();
        consumer.Subscribe(settings.OrdersTopic);
        var batch = new List<ConsumeResult<Ignore, byte[]>>(settings.WriterBatchSize);
        var reservations = new List<OrderReservation>(settings.WriterBatchSize);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!Gather(consumer, batch, stoppingToken))
                {
                    continue;
                }

                Decode(batch, reservations);
                if (!WriteUntilDone(reservations, stoppingToken))
                {
                    break;
                }

                consumer.Commit(LastOffsets(batch));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: a batch not committed is read again by the next writer.
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>Up to a batch of what is there; false when nothing came (or the topic is not there yet).</summary>
    private bool Gather(IConsumer<Ignore, byte[]> consumer, List<ConsumeResult<Ignore, byte[]>> batch, CancellationToken stoppingToken)
    {
        batch.Clear();
        try
        {
            var first = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (first is null)
            {
                return false;
            }

            batch.Add(first);
            while (batch.Count < settings.WriterBatchSize && consumer.Consume(TimeSpan.Zero) is { } next)
            {
                batch.Add(next);
            }

            return true;
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            // E.g. the topic does not exist yet (no purchase made it): what was gathered is read again, as nothing
            // of it is committed.
            Log.ConsumerError(logger, ex.Error.Code, ex.Error.Reason);
            batch.Clear();
            stoppingToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            return false;
        }
    }

    private void Decode(List<ConsumeResult<Ignore, byte[]>> batch, List<OrderReservation> reservations)
    {
        reservations.Clear();
        foreach (var record in batch)
        {
            try
            {
                reservations.Add(OrderReservation.Parser.ParseFrom(record.Message.Value));
            }
            catch (Google.Protobuf.InvalidProtocolBufferException ex)
            {
                Log.UnreadableRecord(logger, record.Topic, record.TopicPartitionOffset, ex);
            }
        }
    }

    /// <summary>
    /// Writes the batch, retrying a failing database with backoff; false when the writer stopped before it could.
    /// A batch under way when the host stops is finished (its statements are not cut off halfway), so a stop
    /// commits what it wrote; a crash leaves the batch uncommitted and the next writer skips what is written.
    /// </summary>
    private bool WriteUntilDone(List<OrderReservation> reservations, CancellationToken stoppingToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                WriteAsync(reservations).GetAwaiter().GetResult();
                return true;
            }
            catch (Exception ex) when (ex is MySqlException or InvalidOperationException or TimeoutException or DbUpdateException)
            {
                Log.WriteFailed(logger, reservations.Count, ex);
                var backoff = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, attempt)));
                if (stoppingToken.WaitHandle.WaitOne(backoff))
                {
                    return false;
                }
            }
        }
    }

    private async Task WriteAsync(List<OrderReservation> reservations)
    {
        if (reservations.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CommerceDbContext>();
        await db.Database.OpenConnectionAsync(CancellationToken.None);
        await using (var insert = BuildInsert((MySqlConnection)db.Database.GetDbConnection(), reservations))
        {
            metrics.OrdersWritten(await insert.ExecuteNonQueryAsync(CancellationToken.None));
        }

        var payments = scope.ServiceProvider.GetRequiredService<OrderPayments>();
        foreach (var r in reservations)
        {
            await payments.TryPayAsync(new PayableOrder(r.SaleId, r.Seq, r.RoomId, r.BuyerUserId, r.Quantity, r.UnitPrice * r.Quantity), CancellationToken.None);
        }
    }

    private MySqlCommand BuildInsert(MySqlConnection connection, List<OrderReservation> reservations)
    {
        // One statement for the batch; IGNORE skips rows whose (sale_id, seq) is there (a redelivery).
        var sql = new StringBuilder(
            "INSERT IGNORE INTO orders (sale_id, seq, room_id, buyer_user_id, quantity, total, idempotency_key, status, stock_returned, reserved_at, written_at) VALUES ");
        var command = new MySqlCommand { Connection = connection };
        var now = time.GetUtcNow().UtcDateTime;
        command.Parameters.AddWithValue("@now", now);
        command.Parameters.AddWithValue("@pending", (byte)OrderState.Pending);
        for (var i = 0; i < reservations.Count; i++)
        {
            var r = reservations[i];
            if (i > 0)
            {
                sql.Append(',');
            }

            sql.Append("(@s").Append(i).Append(",@q").Append(i).Append(",@r").Append(i).Append(",@b").Append(i)
                .Append(",@n").Append(i).Append(",@t").Append(i).Append(",@k").Append(i).Append(",@pending,0,@a").Append(i).Append(",@now)");
            command.Parameters.AddWithValue("@s" + i, r.SaleId);
            command.Parameters.AddWithValue("@q" + i, r.Seq);
            command.Parameters.AddWithValue("@r" + i, r.RoomId);
            command.Parameters.AddWithValue("@b" + i, r.BuyerUserId);
            command.Parameters.AddWithValue("@n" + i, r.Quantity);
            command.Parameters.AddWithValue("@t" + i, r.UnitPrice * r.Quantity);
            command.Parameters.AddWithValue("@k" + i, r.IdempotencyKey);
            command.Parameters.AddWithValue("@a" + i, DateTimeOffset.FromUnixTimeMilliseconds(r.ReservedAtMs).UtcDateTime);
        }

        command.CommandText = sql.ToString();
        return command;
    }

    private static IEnumerable<TopicPartitionOffset> LastOffsets(List<ConsumeResult<Ignore, byte[]>> batch)
    {
        var last = new Dictionary<TopicPartition, Offset>();
        foreach (var record in batch)
        {
            last[record.TopicPartition] = record.Offset + 1;
        }

        return last.Select(p => new TopicPartitionOffset(p.Key, p.Value));
    }
}
