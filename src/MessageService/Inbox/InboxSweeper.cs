using Live.MessageService.Inbox.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Live.MessageService.Inbox;

/// <summary>
/// Deletes messages past Inbox:RetentionDays in batches of Inbox:SweepBatch, so no statement holds many locks.
/// Every node sweeps; the deletes are idempotent, and reads already hide expired messages, so a late or doubled
/// sweep changes nothing a user sees.
/// </summary>
public sealed class InboxSweeper(
    IDbContextFactory<InboxDbContext> contexts,
    InboxReader reader,
    IOptions<InboxOptions> options,
    TimeProvider time,
    ILogger<InboxSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.SweepIntervalSeconds), time);
        try
        {
            do
            {
                await SweepAsync(settings, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; the next start sweeps again.
        }
    }

    private async Task SweepAsync(InboxOptions settings, CancellationToken ct)
    {
        try
        {
            var cutoff = reader.RetentionCutoffMs();
            long deleted = 0;
            int batch;
            await using var db = await contexts.CreateDbContextAsync(ct);
            // The connection itself, not EF's commands: a sweep that fails is a warning here, not EF's error log.
            var connection = (MySqlConnection)db.Database.GetDbConnection();
            await connection.OpenAsync(ct);
            await using var command = new MySqlCommand("DELETE FROM inbox_messages WHERE created_ms < @cutoff LIMIT @batch", connection);
            command.Parameters.AddWithValue("@cutoff", cutoff);
            command.Parameters.AddWithValue("@batch", settings.SweepBatch);
            do
            {
                batch = await command.ExecuteNonQueryAsync(ct);
                deleted += batch;
            }
            while (batch == settings.SweepBatch);

            if (deleted > 0)
            {
                InboxLog.Swept(logger, deleted, settings.RetentionDays);
            }
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or TimeoutException)
        {
            InboxLog.SweepFailed(logger, ex.Message);
        }
    }
}
