using System.Globalization;
using Live.Gifts.Announcing;
using Live.MessageService.Ingest;
using Live.MessageService.Telemetry;
using Live.Protocol;
using Live.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.MessageService.Gifts;

/// <summary>
/// Shows gifts in their room as combo messages: each gift adds to its streak (<see cref="GiftStreaks"/>) and the
/// streak's running total goes into the room as a GIFT message ("Rose ×7") through the <see cref="IngestPipeline"/>,
/// so it gets a seq, history, fan-out and Kafka like any message. The first gift of a streak is published at once;
/// later ones within a flush interval wait for one update at its end, which this node publishes from a bounded
/// queue (full: published at once). A gift a service sent for a user carries no name; it is looked up
/// (<see cref="SenderNames"/>). Failures are logged and counted, never thrown: the gift is paid for already.
/// </summary>
public sealed class GiftComboAnnouncer(
    GiftStreaks streaks,
    SenderNames senderNames,
    IngestPipeline ingest,
    MessageMetrics metrics,
    IOptions<GiftComboOptions> options,
    TimeProvider time,
    ILogger<GiftComboAnnouncer> logger) : BackgroundService, IGiftAnnouncer
{
    private readonly int maxPending = options.Value.MaxPendingUpdates;
    private readonly TimeSpan tick = TimeSpan.FromMilliseconds(Math.Max(5, options.Value.FlushIntervalMs / 10));
    private readonly Lock gate = new();
    // Updates this node owes, by due time (TimeProvider timestamp); bounded by MaxPendingUpdates.
    private readonly PriorityQueue<PendingUpdate, long> pending = new();

    public async ValueTask AnnounceAsync(GiftAnnouncement gift, CancellationToken cancellationToken)
    {
        var senderName = gift.SenderName.Length > 0 ? gift.SenderName : await senderNames.GetAsync(gift.SenderUserId, cancellationToken);
        var combo = new Combo(GiftStreaks.Key(gift.RoomId, gift.SenderUserId, gift.GiftId), gift.RoomId, gift.SenderUserId, senderName, gift.GiftName);
        StreakUpdate update;
        try
        {
            update = await streaks.RecordAsync(combo.Streak, gift.Count);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Failed(combo, RejectReasonTable.NameOf(RejectReason.Unavailable), ex.Message);
            return;
        }

        switch (update.Step)
        {
            case StreakStep.PublishNow:
                await PublishAsync(combo, update.Total, "immediate");
                break;
            case StreakStep.PublishLater:
                if (!TryDefer(new PendingUpdate(combo, update.DueMs), update.Delay))
                {
                    await ClaimAndPublishAsync(new PendingUpdate(combo, update.DueMs));
                }

                break;
            default:
                metrics.GiftMerged();
                break;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A tick of a tenth of the flush interval: an update is at most that late, and an idle node does little.
        using var timer = new PeriodicTimer(tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PublishDueAsync(time.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still owed goes out now (below), not after its interval.
        }

        await PublishDueAsync(long.MaxValue);
    }

    private bool TryDefer(PendingUpdate update, TimeSpan delay)
    {
        var due = time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency);
        lock (gate)
        {
            if (pending.Count >= maxPending)
            {
                return false;
            }

            pending.Enqueue(update, due);
            metrics.GiftUpdatesPending(1);
            return true;
        }
    }

    private async Task PublishDueAsync(long nowTimestamp)
    {
        while (true)
        {
            PendingUpdate update;
            lock (gate)
            {
                if (!pending.TryPeek(out update, out var due) || due > nowTimestamp)
                {
                    return;
                }

                pending.Dequeue();
                metrics.GiftUpdatesPending(-1);
            }

            await ClaimAndPublishAsync(update);
        }
    }

    private async Task ClaimAndPublishAsync(PendingUpdate update)
    {
        long? total;
        try
        {
            total = await streaks.ClaimUpdateAsync(update.Combo.Streak, update.DueMs);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Failed(update.Combo, RejectReasonTable.NameOf(RejectReason.Unavailable), ex.Message);
            return;
        }

        if (total is { } claimed)
        {
            await PublishAsync(update.Combo, claimed, "coalesced");
        }
    }

    private async Task PublishAsync(Combo combo, long total, string mode)
    {
        var content = string.Create(CultureInfo.InvariantCulture, $"{combo.GiftName} ×{total}");
        // Origin Service: a gift is not danmaku; content rules apply, a sender's chat limits and bans do not.
        var result = await ingest.IngestAsync(
            new IncomingMessage(combo.RoomId, MessageKind.Gift, combo.UserId, combo.UserName, content, string.Empty, 0, MessageOrigin.Service),
            CancellationToken.None);
        if (result.IsAccepted)
        {
            metrics.GiftAnnounced(mode);
        }
        else
        {
            Failed(combo, RejectReasonTable.NameOf(result.Verdict.Reason), result.Verdict.Detail ?? string.Empty);
        }
    }

    private void Failed(Combo combo, string reason, string detail)
    {
        metrics.GiftAnnounceFailed(reason);
        Log.GiftAnnounceFailed(logger, combo.RoomId, combo.UserId, combo.GiftName, reason, detail);
    }

    private sealed record Combo(RedisKey Streak, long RoomId, long UserId, string UserName, string GiftName);

    private readonly record struct PendingUpdate(Combo Combo, long DueMs);
}
