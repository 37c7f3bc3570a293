using Live.Redis;
using StackExchange.Redis;

namespace Live.CommerceService.Sales;

/// <summary>
/// Runs reserve.lua: the whole purchase decision (open, key, stock, limit) and its writes in one atomic step.
/// Purchases arriving while an earlier batch is with Redis share one script call (group commit), decided one
/// after another in arrival order.
/// </summary>
public sealed class ReservationScript(IConnectionMultiplexer redis)
    : BatchedRedisScript<ReservationScript.Request, Reservation>(redis, Script, new BatchedScriptLimits())
{
    private static readonly string Script = EmbeddedLuaScript.Read<ReservationScript>("reserve.lua");

    protected override int KeysPerItem => 3;

    protected override int ArgsPerItem => 4;

    protected override int ResultsPerItem => 6;

    public Task<Reservation> ReserveAsync(long saleId, long buyerUserId, int quantity, string buyerKey, long nowMs) =>
        CallAsync(new Request(SaleKeys.For(saleId), buyerUserId, quantity, buyerKey, nowMs));

    protected override RedisKey SlotKey(in Request request) => request.Keys.Sale;

    protected override void Append(in Request request, RedisKey[] keys, int keyOffset, RedisValue[] args, int argOffset)
    {
        keys[keyOffset] = request.Keys.Sale;
        keys[keyOffset + 1] = request.Keys.Bought;
        keys[keyOffset + 2] = request.Keys.IdempotencyKeys;
        args[argOffset] = request.BuyerUserId;
        args[argOffset + 1] = request.Quantity;
        args[argOffset + 2] = request.BuyerKey;
        args[argOffset + 3] = request.NowMs;
    }

    protected override Reservation Read(in Request request, ReadOnlySpan<RedisResult> results) => new(
        (ReservationOutcome)(int)results[0],
        (long)results[1],
        (int)results[2],
        (long)results[3],
        (long)results[4],
        (int)results[5]);

    /// <param name="BuyerKey">"buyer|idempotency key", the field the script remembers the purchase under.</param>
    public readonly record struct Request(SaleKeys Keys, long BuyerUserId, int Quantity, string BuyerKey, long NowMs);
}

/// <summary>reserve.lua's codes.</summary>
public enum ReservationOutcome
{
    Reserved = 0,
    Replayed = 1,
    UnknownSale = 2,
    NotStarted = 3,
    Ended = 4,
    Cancelled = 5,
    NotEnoughStock = 6,
    OverLimit = 7,
    KeyReused = 8,
}

/// <param name="Seq">The order's number within the sale; for <see cref="ReservationOutcome.OverLimit"/> the units already bought.</param>
/// <param name="Remaining">Stock left after the decision.</param>
public readonly record struct Reservation(ReservationOutcome Outcome, long Seq, int Remaining, long RoomId, long UnitPrice, int PerUserLimit);
