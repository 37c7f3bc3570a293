using System.Globalization;
using Confluent.Kafka;
using Live.Redis;
using Live.StatsService.Facts;
using Live.StatsService.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.StatsService.Ingest;

/// <summary>
/// Applies a batch's Redis effects (rates, unique senders, leaderboards, heat inputs, room state, users' rooms)
/// in one script call: one round trip per batch, not per event. Each partition's effects are applied together
/// with that partition's watermark (the last applied offset), atomically, so a replayed record is skipped and
/// a restart mid-stream changes nothing. Gifts are additionally counted once per idempotency key, because the
/// gift outbox may republish one at a later offset; paid orders (sales) likewise, once per order id. The same call returns the unique senders of the batch's
/// minutes, counted after the apply. A deleted message is taken back (room total, rate of its second) only if
/// its seq is marked counted, and the mark is cleared: a delete applied twice, or of a message never counted,
/// changes nothing. Unique senders and heat keep it: the sender did speak, and heat fades anyway.
/// </summary>
public sealed partial class RedisEffectWriter(IConnectionMultiplexer redis, StatsKeys keys, IOptions<StatsOptions> options, IOptions<HeatOptions> heat)
{
    private const int DayBoardTtlSeconds = 8 * 86_400;
    private const int RoomBoardTtlSeconds = 30 * 86_400;
    private const int UserSeenTtlSeconds = 30 * 86_400;
    private const int EndedRoomTtlSeconds = 30 * 86_400;
    private const int MaxAttempts = 3;

    /// <summary>How long a counted seq stays marked, and a delete's verdict kept, after the room's last message.</summary>
    internal const int CountedTtlSeconds = 7 * 86_400;

    /// <summary>SETBIT takes offsets below 2^32; a larger seq is counted but cannot be taken back.</summary>
    internal const long MaxMarkedSeq = uint.MaxValue;

    private static readonly string Script = EmbeddedLuaScript.Read<RedisEffectWriter>("apply-effects.lua");

    /// <summary>The hash fields and TTLs the script uses, first in its arguments, in the order the script reads them.</summary>
    private static readonly RedisValue[] ScriptHeader =
    [
        StatsKeys.Field.Anchor, StatsKeys.Field.Title, StatsKeys.Field.Category, StatsKeys.Field.Live, StatsKeys.Field.EventTimeMs,
        StatsKeys.Field.Heat, StatsKeys.Field.Messages, StatsKeys.Field.MessageDecayed, StatsKeys.Field.MessageDecayedAt,
        StatsKeys.Field.GiftValue, StatsKeys.Field.GiftCount, StatsKeys.Field.GiftDecayed, StatsKeys.Field.GiftDecayedAt,
        UserSeenTtlSeconds, DayBoardTtlSeconds,
        StatsKeys.Field.SaleOrders, StatsKeys.Field.SaleUnits, StatsKeys.Field.SaleRevenue,
    ];

    private readonly StatsOptions settings = options.Value;
    private readonly HeatOptions heatSettings = heat.Value;
    private readonly string giftTau = heat.Value.GiftTauSeconds.ToString("R", CultureInfo.InvariantCulture);

    private readonly RecentlySeen recentlySeen = new();
    private readonly KnownSenders knownSenders = new();

    // The Redis watermark of each assigned partition as last read or written. A batch is built while the one
    // before it is applied, so this may lag the store by that batch; it is never ahead of it. Building from a
    // lagging watermark gives the same arguments, since that batch ends before the next one starts.
    private readonly Lock watermarkGate = new();
    private readonly Dictionary<TopicPartition, long> watermarks = [];

    /// <summary>Partitions this process no longer owns (or newly owns): their watermarks are read again before use.</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        lock (watermarkGate)
        {
            foreach (var partition in partitions)
            {
                watermarks.Remove(partition);
            }
        }
    }

    /// <summary>
    /// Builds the script arguments of a batch: may run while the previous batch is applied (then the script's
    /// watermark check still guards every group). Batches must be prepared in order, one at a time.
    /// </summary>
    public async Task<PreparedEffects> PrepareAsync(IReadOnlyList<PartitionSlice> slices)
    {
        var unknown = new List<TopicPartition>();
        lock (watermarkGate)
        {
            foreach (var slice in slices)
            {
                if (!watermarks.ContainsKey(slice.Partition))
                {
                    unknown.Add(slice.Partition);
                }
            }
        }

        await ReadWatermarksAsync(redis.GetDatabase(), unknown);
        var minutes = MessageMinutes(slices);
        var counted = new RedisKey[minutes.Count];
        for (var i = 0; i < minutes.Count; i++)
        {
            counted[i] = keys.RoomSenders(minutes[i].Room, minutes[i].Minute);
        }

        return new PreparedEffects(slices, minutes, counted, Build(slices));
    }

    /// <summary>
    /// Applies what the store has not seen of a prepared batch, then returns the unique senders of every minute
    /// the batch's messages fall in (counted after the apply, so a replayed batch returns the same counts or
    /// higher). Batches must be applied in order, one at a time.
    /// </summary>
    public async Task<AppliedEffects> ApplyAsync(PreparedEffects batch)
    {
        var db = redis.GetDatabase();
        var built = batch.Built;
        for (var attempt = 1; ; attempt++)
        {
            if (built.Groups.Count == 0 && batch.Counted.Length == 0)
            {
                return new AppliedEffects([], await CountedDeletesAsync(db, batch.Slices));
            }

            var result = (RedisResult[])(await db.ScriptEvaluateAsync(Script, batch.Counted, built.Args))!;
            if ((string?)result[0] == "ok")
            {
                lock (watermarkGate)
                {
                    foreach (var (partition, last) in built.Groups)
                    {
                        watermarks[partition] = last;
                    }
                }

                knownSenders.Remember(built.NewSenders);
                var counts = (RedisResult[])result[2]!;
                var uniqueSenders = new Dictionary<(long Room, long Minute), long>(batch.Minutes.Count);
                for (var i = 0; i < batch.Minutes.Count; i++)
                {
                    uniqueSenders[batch.Minutes[i]] = (long)counts[i];
                }

                return new AppliedEffects(uniqueSenders, await CountedDeletesAsync(db, batch.Slices));
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException("Redis watermarks kept moving under this consumer; another consumer is applying the same partitions.");
            }

            // Another consumer (one that lost these partitions in a rebalance) applied part of the range.
            await ReadWatermarksAsync(db, built.Groups.Select(g => g.Partition).ToList());
            built = Build(batch.Slices);
        }
    }

    /// <summary>
    /// The batch's deletes that took a counted message back, applied now or before (the verdict stays in Redis),
    /// so that MySQL, which applies the batch after Redis and maybe again after a crash, subtracts exactly those.
    /// </summary>
    private async Task<HashSet<(string Topic, int Partition, long Offset)>> CountedDeletesAsync(IDatabase db, IReadOnlyList<PartitionSlice> slices)
    {
        var deletes = new List<(PartitionSlice Slice, DeleteFact Fact)>();
        foreach (var slice in slices)
        {
            foreach (var fact in slice.Facts)
            {
                if (fact is DeleteFact delete && delete.Seq <= MaxMarkedSeq)
                {
                    deletes.Add((slice, delete));
                }
            }
        }

        var counted = new HashSet<(string Topic, int Partition, long Offset)>();
        if (deletes.Count == 0)
        {
            return counted;
        }

        var verdicts = await db.StringGetAsync([.. deletes.Select(d => keys.CountedDelete(d.Fact.RoomId, d.Fact.Seq))]);
        for (var i = 0; i < deletes.Count; i++)
        {
            var (slice, delete) = deletes[i];
            if (verdicts[i] == DeletePosition(slice.Partition, delete.Offset))
            {
                counted.Add((slice.Partition.Topic, slice.Partition.Partition.Value, delete.Offset));
            }
        }

        return counted;
    }

    private static string DeletePosition(TopicPartition partition, long offset) =>
        string.Create(CultureInfo.InvariantCulture, $"{partition.Topic}:{partition.Partition.Value}:{offset}");

    private BuiltScript Build(IReadOnlyList<PartitionSlice> slices)
    {
        var args = new List<RedisValue>(ScriptHeader.Length + 4 * slices.Sum(s => s.Facts.Count));
        args.AddRange(ScriptHeader);
        var groups = new List<(TopicPartition Partition, long Last)>();
        var newSenders = new List<(long Room, long Minute, long User)>();
        foreach (var slice in slices)
        {
            long watermark;
            lock (watermarkGate)
            {
                watermark = watermarks[slice.Partition];
            }

            if (AppendGroup(args, slice, watermark, newSenders))
            {
                groups.Add((slice.Partition, slice.LastOffset));
            }
        }

        return new BuiltScript([.. args], groups, newSenders);
    }

    /// <summary>Every (room, minute) the batch's messages fall in, applied before or not.</summary>
    private static List<(long Room, long Minute)> MessageMinutes(IReadOnlyList<PartitionSlice> slices)
    {
        var minutes = new HashSet<(long Room, long Minute)>();
        foreach (var slice in slices)
        {
            foreach (var fact in slice.Facts)
            {
                if (fact is MessageFact message)
                {
                    minutes.Add((message.RoomId, message.TimeMs / 60_000));
                }
            }
        }

        return [.. minutes];
    }

    private async Task ReadWatermarksAsync(IDatabase db, List<TopicPartition> partitions)
    {
        if (partitions.Count == 0)
        {
            return;
        }

        var values = await db.StringGetAsync([.. partitions.Select(p => (RedisKey)keys.Watermark(p.Topic, p.Partition.Value))]);
        lock (watermarkGate)
        {
            for (var i = 0; i < partitions.Count; i++)
            {
                watermarks[partitions[i]] = values[i].IsNull ? -1 : (long)values[i];
            }
        }
    }

    /// <summary>Adds the group of one partition's records past its watermark; false when there are none.</summary>
    private bool AppendGroup(List<RedisValue> args, PartitionSlice slice, long watermark, List<(long Room, long Minute, long User)> newSenders)
    {
        if (slice.LastOffset <= watermark)
        {
            return false;
        }

        // Records at or below the watermark were applied before (a replay); the group starts after them.
        var first = Math.Max(slice.FirstOffset, watermark + 1);
        args.Add("wm");
        args.Add(keys.Watermark(slice.Partition.Topic, slice.Partition.Partition.Value).ToString());
        args.Add(first);
        args.Add(slice.LastOffset);
        var lengthIndex = args.Count;
        args.Add(0);
        var start = args.Count;

        var messages = new MessageAggregate(heatSettings.MessageTauSeconds);
        var giftDedupSeconds = settings.GiftDedupDays * 86_400;
        var seen = new Dictionary<(long User, long Room), long>();
        var giftedRooms = new HashSet<long>();
        var giftDays = new HashSet<DateOnly>();
        List<DeleteFact>? deletes = null;
        foreach (var fact in slice.Facts)
        {
            if (fact.Offset <= watermark)
            {
                continue;
            }

            switch (fact)
            {
                case MessageFact message:
                    messages.Add(message);
                    Seen(seen, message.UserId, message.RoomId, message.TimeMs);
                    break;
                case GiftFact gift:
                    AppendGift(args, gift, giftDedupSeconds, giftDays);
                    giftedRooms.Add(gift.RoomId);
                    Seen(seen, gift.SenderUserId, gift.RoomId, gift.TimeMs);
                    break;
                case SaleFact sale:
                    AppendSale(args, sale, giftDedupSeconds);
                    break;
                case RoomFact room:
                    AppendRoom(args, room);
                    break;
                case DeleteFact delete when delete.Seq <= MaxMarkedSeq:
                    (deletes ??= []).Add(delete);
                    break;
            }
        }

        messages.AppendTo(args, keys, knownSenders, newSenders);

        // After the messages: a message and its delete in one batch are marked, then taken back.
        foreach (var delete in deletes ?? [])
        {
            var second = delete.TimeMs / 1000;
            args.Add("del");
            args.Add(keys.CountedMessages(delete.RoomId).ToString());
            args.Add(delete.Seq);
            args.Add(keys.Room(delete.RoomId).ToString());
            args.Add(keys.RoomRate(delete.RoomId, second / 60).ToString());
            args.Add(second % 60);
            args.Add(keys.CountedDelete(delete.RoomId, delete.Seq).ToString());
            args.Add(DeletePosition(slice.Partition, delete.Offset));
            args.Add(CountedTtlSeconds);
        }
        foreach (var roomId in giftedRooms)
        {
            Op(args, "zt", keys.RoomGifters(roomId), settings.RoomLeaderboardSize);
            Op(args, "ex", keys.RoomGifters(roomId), RoomBoardTtlSeconds);
        }

        if (giftedRooms.Count > 0)
        {
            Op(args, "zt", keys.TopAnchors, settings.AnchorLeaderboardSize);
            foreach (var day in giftDays)
            {
                Op(args, "zt", keys.TopAnchorsOfDay(day), settings.AnchorLeaderboardSize);
            }
        }

        args.Add("seen");
        args.Add(settings.SeenRoomsPerUser);
        var seenCountIndex = args.Count;
        args.Add(0);
        var seenCount = 0;
        foreach (var ((user, room), timeMs) in seen)
        {
            if (recentlySeen.ShouldRecord(user, room, timeMs))
            {
                args.Add(keys.UserSeenRooms(user).ToString());
                args.Add(timeMs);
                args.Add(room);
                seenCount++;
            }
        }

        if (seenCount == 0)
        {
            args.RemoveRange(seenCountIndex - 2, 3);
        }
        else
        {
            args[seenCountIndex] = seenCount;
        }

        args[lengthIndex] = args.Count - start;
        return true;
    }
}
