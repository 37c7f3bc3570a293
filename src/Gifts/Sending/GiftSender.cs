using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Live.Gifts.Announcing;
using Live.Gifts.Catalog;
using Live.Gifts.Data;
using Live.Gifts.Events;
using Live.Gifts.Telemetry;
using Live.ServiceDefaults.Grpc;
using Live.V1;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Live.Gifts.Sending;

/// <summary>
/// Sends a gift: the debit, the ledger row and the outbox event commit in one transaction, so a debit without
/// its ledger entry (or an entry without its event) cannot exist. The ledger's unique idempotency key makes a
/// retried send count once; the retry gets the original receipt. A new (not replayed) send is then announced to
/// the room through the host's <see cref="IGiftAnnouncer"/>, if it registered one.
/// </summary>
public sealed class GiftSender(
    GiftsDbContext db,
    GiftCatalog catalog,
    RoomLookup rooms,
    GiftOutboxSignal signal,
    GiftMetrics metrics,
    IOptions<GiftsOptions> options,
    TimeProvider time,
    ILogger<GiftSender> logger,
    IGiftAnnouncer? announcer = null)
{
    public const string EventType = "GIFT_SENT";

    /// <param name="senderName">Shown with the gift in the room; empty when the caller is not the sender.</param>
    public async Task<SendGiftResponse> SendAsync(string idempotencyKey, long roomId, long senderUserId, string senderName, int giftId, int count, CancellationToken ct)
    {
        IdempotencyKey.Require(idempotencyKey, "idempotency_key");
        RpcErrors.RequirePositiveId(roomId, "room_id");
        RpcErrors.RequirePositiveId(senderUserId, "sender_user_id");
        if (count < 1 || count > options.Value.MaxCount)
        {
            RpcErrors.InvalidArgument($"count must be 1..{options.Value.MaxCount}; got {count}.");
        }

        // A retry is answered from the ledger before anything else is checked: the room may have ended since.
        if (await FindReceiptAsync(idempotencyKey, roomId, senderUserId, giftId, count, ct) is { } earlier)
        {
            metrics.Replayed();
            return new SendGiftResponse { Receipt = earlier, Replayed = true };
        }

        var gift = await catalog.FindAsync(giftId, ct);
        if (gift is null)
        {
            RpcErrors.NotFound($"gift {giftId} is not in the catalog.");
        }

        var room = await rooms.RequireLiveRoomAsync(roomId, ct);
        if (room.AnchorUserId == senderUserId)
        {
            RpcErrors.InvalidArgument("anchors cannot send gifts to their own room.");
        }

        var total = checked(gift.Price * count);
        // MySQL keeps microseconds: the receipt of a first send must equal the one a retry reads back.
        var now = time.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % 10));
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        // The conditional update is the whole overdraft rule: of concurrent debits only those the balance
        // covers match a row; no read-then-write window exists.
        var debited = await db.Wallets
            .Where(w => w.UserId == senderUserId && w.Balance >= total)
            .ExecuteUpdateAsync(set => set.SetProperty(w => w.Balance, w => w.Balance - total).SetProperty(w => w.UpdatedAt, now), ct);
        if (debited == 0)
        {
            await transaction.RollbackAsync(ct);
            metrics.Refused("insufficient_balance");
            RpcErrors.FailedPrecondition($"insufficient balance: {gift.Name} x{count} costs {total} coins.");
        }

        var balanceAfter = await db.Wallets.Where(w => w.UserId == senderUserId).Select(w => w.Balance).SingleAsync(ct);
        var ledger = new GiftLedgerRecord
        {
            IdempotencyKey = idempotencyKey,
            RoomId = roomId,
            SenderUserId = senderUserId,
            AnchorUserId = room.AnchorUserId,
            GiftId = gift.Id,
            Count = count,
            UnitPrice = gift.Price,
            TotalValue = total,
            BalanceAfter = balanceAfter,
            CreatedAt = now,
        };
        if (!await TryInsertLedgerAsync(ledger, transaction, ct))
        {
            // A concurrent send with the same key committed first: undo this debit and answer with that one.
            await transaction.RollbackAsync(ct);
            metrics.Replayed();
            var winner = await FindReceiptAsync(idempotencyKey, roomId, senderUserId, giftId, count, ct)
                ?? throw new InvalidOperationException($"ledger key {idempotencyKey} collided but cannot be read back");
            return new SendGiftResponse { Receipt = winner, Replayed = true };
        }

        var evt = ToEvent(ledger, gift);
        var activity = Activity.Current;
        db.Outbox.Add(new GiftOutboxRecord
        {
            RoomId = roomId,
            EventId = idempotencyKey,
            EventType = EventType,
            Payload = evt.ToByteArray(),
            TraceParent = activity?.IdFormat == ActivityIdFormat.W3C ? activity.Id : null,
            TraceState = activity?.TraceStateString,
            CreatedAt = now,
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        signal.Notify();
        metrics.Sent(gift.Tier, total);
        await AnnounceAsync(new GiftAnnouncement(idempotencyKey, roomId, senderUserId, senderName, gift.Id, gift.Name, gift.Tier, count));
        return new SendGiftResponse { Receipt = ToReceipt(ledger, gift) };
    }

    /// <summary>
    /// The coins are taken by now, so nothing here may fail the send: a room that cannot be told is logged and
    /// counted. The caller's token is not passed on: a client that gives up after the commit still paid.
    /// </summary>
    private async Task AnnounceAsync(GiftAnnouncement gift)
    {
        if (announcer is null)
        {
            return;
        }

        try
        {
            await announcer.AnnounceAsync(gift, CancellationToken.None);
        }
        catch (Exception ex)
        {
            metrics.AnnounceFailed();
            Log.AnnounceFailed(logger, gift.IdempotencyKey, gift.RoomId, ex);
        }
    }

    /// <summary>
    /// Inserts the ledger row in the open transaction and sets its id; false when the key is taken. Runs on the
    /// connection itself: the duplicate is an expected outcome, not an error for EF to log.
    /// </summary>
    private async Task<bool> TryInsertLedgerAsync(GiftLedgerRecord ledger, IDbContextTransaction transaction, CancellationToken ct)
    {
        await using var command = new MySqlCommand(
            """
            INSERT INTO gift_ledger (idempotency_key, room_id, sender_user_id, anchor_user_id, gift_id, count, unit_price, total_value, balance_after, created_at)
            VALUES (@key, @room, @sender, @anchor, @gift, @count, @price, @total, @balance, @at)
            """,
            (MySqlConnection)db.Database.GetDbConnection(),
            (MySqlTransaction)transaction.GetDbTransaction());
        command.Parameters.AddWithValue("@key", ledger.IdempotencyKey);
        command.Parameters.AddWithValue("@room", ledger.RoomId);
        command.Parameters.AddWithValue("@sender", ledger.SenderUserId);
        command.Parameters.AddWithValue("@anchor", ledger.AnchorUserId);
        command.Parameters.AddWithValue("@gift", ledger.GiftId);
        command.Parameters.AddWithValue("@count", ledger.Count);
        command.Parameters.AddWithValue("@price", ledger.UnitPrice);
        command.Parameters.AddWithValue("@total", ledger.TotalValue);
        command.Parameters.AddWithValue("@balance", ledger.BalanceAfter);
        command.Parameters.AddWithValue("@at", ledger.CreatedAt);
        try
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            return false;
        }

        ledger.Id = command.LastInsertedId;
        return true;
    }

    private async Task<GiftReceipt?> FindReceiptAsync(string key, long roomId, long senderUserId, int giftId, int count, CancellationToken ct)
    {
        var row = await db.Ledger.AsNoTracking().SingleOrDefaultAsync(l => l.IdempotencyKey == key, ct);
        if (row is null)
        {
            return null;
        }

        if (row.RoomId != roomId || row.SenderUserId != senderUserId || row.GiftId != giftId || row.Count != count)
        {
            RpcErrors.InvalidArgument($"idempotency_key {key} was already used for a different gift; use a new key per gift.");
        }

        var gift = await catalog.FindAsync(row.GiftId, ct)
            ?? new GiftRecord { Id = row.GiftId, Name = $"gift {row.GiftId}", Price = row.UnitPrice };
        return ToReceipt(row, gift);
    }

    private static GiftReceipt ToReceipt(GiftLedgerRecord row, GiftRecord gift) => new()
    {
        IdempotencyKey = row.IdempotencyKey,
        LedgerId = row.Id,
        RoomId = row.RoomId,
        SenderUserId = row.SenderUserId,
        AnchorUserId = row.AnchorUserId,
        Gift = gift.ToProto(),
        Count = row.Count,
        TotalValue = row.TotalValue,
        BalanceAfter = row.BalanceAfter,
        SentAt = Timestamp.FromDateTime(row.CreatedAt),
    };

    private static GiftEvent ToEvent(GiftLedgerRecord row, GiftRecord gift) => new()
    {
        IdempotencyKey = row.IdempotencyKey,
        LedgerId = row.Id,
        RoomId = row.RoomId,
        SenderUserId = row.SenderUserId,
        AnchorUserId = row.AnchorUserId,
        GiftId = gift.Id,
        GiftName = gift.Name,
        Tier = gift.Tier,
        Count = row.Count,
        UnitPrice = row.UnitPrice,
        TotalValue = row.TotalValue,
        SentAtMs = new DateTimeOffset(row.CreatedAt).ToUnixTimeMilliseconds(),
    };
}
