using System.Globalization;
using Grpc.Core;
using Live.CommerceService.Announcing;
using Live.CommerceService.Orders;
using Live.CommerceService.Telemetry;
using Live.ServiceDefaults.Grpc;
using Live.V1;

namespace Live.CommerceService.Sales;

/// <summary>
/// A purchase: the local sold-out flag, then reserve.lua decides; a reservation goes to Kafka `orders` before
/// the buyer hears of it, so every order id a buyer holds is on its way to MySQL. Nothing is read and written
/// back from here.
/// </summary>
public sealed class PurchaseHandler(
    ReservationScript reservations,
    SoldOutFlags soldOut,
    OrderPublisher publisher,
    SaleAnnouncer announcer,
    CommerceMetrics metrics,
    TimeProvider time,
    ILogger<PurchaseHandler> logger)
{
    public const int MaxQuantity = 100;

    public async Task<PurchaseResponse> PurchaseAsync(long saleId, long buyerUserId, int quantity, string idempotencyKey, CancellationToken ct)
    {
        RpcErrors.RequirePositiveId(saleId, "sale_id");
        RpcErrors.RequirePositiveId(buyerUserId, "buyer_user_id");
        PurchaseKey.Require(idempotencyKey, "idempotency_key");
        if (quantity is < 1 or > MaxQuantity)
        {
            RpcErrors.InvalidArgument($"quantity must be 1..{MaxQuantity}; got {quantity}.");
        }

        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var buyerKey = string.Create(CultureInfo.InvariantCulture, $"{buyerUserId}|{idempotencyKey}");
        if (await soldOut.LookupAsync(saleId) is { } flagged)
        {
            // Sold out, and the sale's used keys are in memory: a winner's retry gets its order, anyone else "sold out".
            return await AnswerSoldOutAsync(flagged, buyerUserId, quantity, idempotencyKey, buyerKey, nowMs, ct);
        }

        var result = await reservations.ReserveAsync(saleId, buyerUserId, quantity, buyerKey, nowMs);
        switch (result.Outcome)
        {
            case ReservationOutcome.Reserved:
            case ReservationOutcome.Replayed:
                var replayed = result.Outcome == ReservationOutcome.Replayed;
                // A replay sends the record again: the first send may be the one that failed; the writer
                // inserts each (sale, seq) once.
                await PublishAsync(Record(saleId, result.Seq, result.RoomId, result.UnitPrice, buyerUserId, quantity, idempotencyKey, nowMs), ct);
                if (!replayed)
                {
                    announcer.StockChanged(saleId, result.RoomId, result.Remaining, tookLast: result.Remaining == 0);
                    if (result.Remaining == 0)
                    {
                        soldOut.MarkSoldOut(saleId);
                    }
                }

                metrics.Purchase(replayed ? "replayed" : "reserved");
                return new PurchaseResponse { OrderId = OrderIds.Format(saleId, result.Seq), RemainingStock = result.Remaining, Replayed = replayed };
            case ReservationOutcome.NotEnoughStock:
                if (result.Remaining == 0)
                {
                    soldOut.MarkSoldOut(saleId);
                }

                metrics.Purchase("sold_out");
                throw SoldOut(saleId, result.Remaining, quantity);
            case ReservationOutcome.OverLimit:
                metrics.Purchase("over_limit");
                RpcErrors.AlreadyExists(string.Create(CultureInfo.InvariantCulture,
                    $"the limit of sale {saleId} is {result.PerUserLimit} per buyer; buyer {buyerUserId} has {result.Seq} and asked for {quantity} more."));
                break;
            case ReservationOutcome.NotStarted:
                metrics.Purchase("not_open");
                RpcErrors.FailedPrecondition($"sale {saleId} has not started yet.");
                break;
            case ReservationOutcome.Ended:
                metrics.Purchase("not_open");
                RpcErrors.FailedPrecondition($"sale {saleId} has ended.");
                break;
            case ReservationOutcome.Cancelled:
                metrics.Purchase("not_open");
                RpcErrors.FailedPrecondition($"sale {saleId} was cancelled.");
                break;
            case ReservationOutcome.KeyReused:
                metrics.Purchase("invalid");
                RpcErrors.InvalidArgument($"idempotency_key {idempotencyKey} was already used for sale {saleId} with another quantity.");
                break;
            default:
                metrics.Purchase("unknown_sale");
                RpcErrors.NotFound($"sale {saleId} does not exist (or ended more than a day ago).");
                break;
        }

        throw new InvalidOperationException("unreachable: every outcome above returns or throws");
    }

    private async Task<PurchaseResponse> AnswerSoldOutAsync(SoldOutSale sale, long buyerUserId, int quantity, string idempotencyKey, string buyerKey,
        long nowMs, CancellationToken ct)
    {
        if (!sale.TryGetOrder(buyerKey, out var order))
        {
            metrics.Purchase("sold_out_local");
            throw SoldOut(sale.SaleId, 0, quantity);
        }

        if (order.Quantity != quantity)
        {
            metrics.Purchase("invalid");
            RpcErrors.InvalidArgument($"idempotency_key {idempotencyKey} was already used for sale {sale.SaleId} with another quantity.");
        }

        // As a replay from Redis does: the record goes out again, since the first send may be the one that failed.
        await PublishAsync(Record(sale.SaleId, order.Seq, sale.RoomId, sale.UnitPrice, buyerUserId, quantity, idempotencyKey, nowMs), ct);
        metrics.Purchase("replayed_local");
        return new PurchaseResponse { OrderId = OrderIds.Format(sale.SaleId, order.Seq), RemainingStock = 0, Replayed = true };
    }

    private static OrderReservation Record(long saleId, long seq, long roomId, long unitPrice, long buyerUserId, int quantity, string idempotencyKey, long nowMs) => new()
    {
        SaleId = saleId,
        Seq = seq,
        RoomId = roomId,
        BuyerUserId = buyerUserId,
        Quantity = quantity,
        UnitPrice = unitPrice,
        IdempotencyKey = idempotencyKey,
        ReservedAtMs = nowMs,
    };

    private async Task PublishAsync(OrderReservation reservation, CancellationToken ct)
    {
        try
        {
            await publisher.PublishAsync(reservation, ct);
        }
        catch (Confluent.Kafka.KafkaException ex)
        {
            // The reservation stands in Redis; the buyer's retry with the same key replays it and sends again.
            Log.ReservationNotSent(logger, reservation.SaleId, reservation.Seq, ex);
            throw;
        }
    }

    private static RpcException SoldOut(long saleId, int remaining, int quantity) =>
        new(new Status(StatusCode.ResourceExhausted, remaining == 0
            ? $"sale {saleId} is sold out."
            : string.Create(CultureInfo.InvariantCulture, $"sale {saleId} has {remaining} left; {quantity} asked.")));
}
