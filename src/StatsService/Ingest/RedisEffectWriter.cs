using System.Globalization;
using Confluent.Kafka;
using Live.StatsService.Rooms;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Live.StatsService.Ingest;

/// <summary>
/// Applies a batch's Redis effects (rates, unique senders, leaderboards, heat inputs, room state, users' rooms)
/// in one script call: one round trip per batch, not per event. Each partition's effects are applied together
/// with that partition's watermark (the last applied offset), atomically, so a replayed record is skipped and
/// a restart mid-stream changes nothing. Gifts are additionally counted once per idempotency key, because the
/// gift outbox may republish one at a later offset. The same call returns the unique senders of the batch's
/// minutes, counted after the apply.
/// </summary>
public sealed class RedisEffectWriter(IConnectionMultiplexer redis, StatsKeys keys, IOptions<StatsOptions> options, IOptions<HeatOptions> heat)
{
    // ARGV is a list of groups, one per partition: "wm", watermark key, first offset, last offset, token count,
    // then that many tokens of operations. Pass 1 refuses the batch if a watermark lies inside a group's range
    // (someone else applied part of it: the caller re-reads the watermarks and rebuilds); pass 2 skips groups
    // already applied and applies the rest, moving their watermarks. KEYS are HyperLogLogs counted afterwards.
    // The operations are compact (a gift is one operation, a batch's "last seen" entries are one) because the
    // arguments are most of what the script costs to send and to turn into Lua strings.
    private static readonly string Script = $$"""
        local a = ARGV
        local n = #a
        local i = 1
        local split = {}
        -- Σ exp(-(now - t)/τ) kept in two hash fields, value and time; events may arrive out of order.
        local function decay(k, fv, ft, sum, t, tau)
          local old = redis.call('HMGET', k, fv, ft)
          local v0, t0 = tonumber(old[1] or '0'), tonumber(old[2] or '0')
          local v
          if t >= t0 then
            v = v0 * math.exp((t0 - t) / tau) + sum
          else
            v = v0 + sum * math.exp((t - t0) / tau)
            t = t0
          end
          redis.call('HSET', k, fv, string.format('%.17g', v), ft, string.format('%.17g', t))
        end
        while i <= n do
          local cur = tonumber(redis.call('GET', a[i + 1]) or '-1')
          if cur >= tonumber(a[i + 2]) and cur < tonumber(a[i + 3]) then
            split[#split + 1] = a[i + 1]
          end
          i = i + 5 + tonumber(a[i + 4])
        end
        if #split > 0 then
          table.insert(split, 1, 'split')
          return split
        end
        local applied = 0
        i = 1
        while i <= n do
          local stop = i + 5 + tonumber(a[i + 4])
          local cur = tonumber(redis.call('GET', a[i + 1]) or '-1')
          if cur < tonumber(a[i + 3]) then
            redis.call('SET', a[i + 1], a[i + 3])
            applied = applied + 1
            local j = i + 5
            while j < stop do
              local op = a[j]
              if op == 'hi' then
                redis.call('HINCRBY', a[j + 1], a[j + 2], a[j + 3])
                j = j + 4
              elseif op == 'msg' then
                -- room, messages, their decayed sum at time t, t, tau
                redis.call('HINCRBY', a[j + 1], '{{StatsKeys.Field.Messages}}', a[j + 2])
                decay(a[j + 1], '{{StatsKeys.Field.MessageDecayed}}', '{{StatsKeys.Field.MessageDecayedAt}}', tonumber(a[j + 3]), tonumber(a[j + 4]), tonumber(a[j + 5]))
                j = j + 6
              elseif op == 'seen' then
                -- limit, count, then (user's key, time, room) per entry. Trim and refresh the TTL only when a
                -- room is new to the user: repeat visits cost one command.
                local limit = tonumber(a[j + 1])
                local last = j + 3 + 3 * tonumber(a[j + 2])
                j = j + 3
                while j < last do
                  if redis.call('ZADD', a[j], 'GT', a[j + 1], a[j + 2]) == 1 then
                    if redis.call('ZCARD', a[j]) > limit then
                      redis.call('ZREMRANGEBYRANK', a[j], 0, -1 - limit)
                    end
                    redis.call('EXPIRE', a[j], {{UserSeenTtlSeconds}})
                  end
                  j = j + 3
                end
              elseif op == 'zt' then
                redis.call('ZREMRANGEBYRANK', a[j + 1], 0, -1 - tonumber(a[j + 2]))
                j = j + 3
              elseif op == 'ex' then
                redis.call('EXPIRE', a[j + 1], a[j + 2])
                j = j + 3
              elseif op == 'pf' then
                local count = tonumber(a[j + 2])
                redis.call('PFADD', a[j + 1], unpack(a, j + 3, j + 2 + count))
                j = j + 3 + count
              elseif op == 'gift' then
                -- once key, its TTL, room, room's gifters, value, count, sender, anchor (0: none), top anchors,
                -- top anchors of the day, time, tau
                if redis.call('SET', a[j + 1], '1', 'NX', 'EX', a[j + 2]) then
                  local room, value = a[j + 3], a[j + 5]
                  redis.call('ZINCRBY', a[j + 4], value, a[j + 7])
                  if a[j + 8] ~= '0' then
                    redis.call('ZINCRBY', a[j + 9], value, a[j + 8])
                    redis.call('ZINCRBY', a[j + 10], value, a[j + 8])
                    redis.call('EXPIRE', a[j + 10], {{DayBoardTtlSeconds}})
                  end
                  redis.call('HINCRBY', room, '{{StatsKeys.Field.GiftValue}}', value)
                  redis.call('HINCRBY', room, '{{StatsKeys.Field.GiftCount}}', a[j + 6])
                  decay(room, '{{StatsKeys.Field.GiftDecayed}}', '{{StatsKeys.Field.GiftDecayedAt}}', tonumber(value), tonumber(a[j + 11]), tonumber(a[j + 12]))
                end
                j = j + 13
              elseif op == 'rm' then
                local room, ets = a[j + 1], tonumber(a[j + 5])
                if ets >= tonumber(redis.call('HGET', room, 'ets') or '-1') then
                  redis.call('HSET', room, 'ets', a[j + 5], 'live', a[j + 6], 'anchor', a[j + 7], 'title', a[j + 8], 'cat', a[j + 9])
                  if a[j + 6] == '1' then
                    redis.call('SADD', a[j + 2], a[j + 4])
                    redis.call('SADD', a[j + 3], a[j + 4])
                    redis.call('PERSIST', room)
                  else
                    redis.call('SREM', a[j + 2], a[j + 4])
                    redis.call('SREM', a[j + 3], a[j + 4])
                    redis.call('HDEL', room, 'heat')
                    redis.call('EXPIRE', room, a[j + 10])
                  end
                end
                j = j + 11
              else
                return redis.error_reply('unknown op ' .. tostring(op))
              end
            end
          end
          i = stop
        end
        local counts = {}
        for k = 1, #KEYS do
          counts[k] = redis.call('PFCOUNT', KEYS[k])
        end
        return {'ok', applied, counts}
        """;

    private const int RateTtlSeconds = 180;
    private const int SendersTtlSeconds = 2 * 3600;
    private const int DayBoardTtlSeconds = 8 * 86_400;
    private const int RoomBoardTtlSeconds = 30 * 86_400;
    private const int UserSeenTtlSeconds = 30 * 86_400;
    private const int EndedRoomTtlSeconds = 30 * 86_400;
    private const int MaxAttempts = 3;
    private const int MaxMembersPerAdd = 1_000;

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
    public async Task<Dictionary<(long Room, long Minute), long>> ApplyAsync(PreparedEffects batch)
    {
        var db = redis.GetDatabase();
        var built = batch.Built;
        for (var attempt = 1; ; attempt++)
        {
            if (built.Groups.Count == 0 && batch.Counted.Length == 0)
            {
                return [];
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

                return uniqueSenders;
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

    private BuiltScript Build(IReadOnlyList<PartitionSlice> slices)
    {
        var args = new List<RedisValue>(4 * slices.Sum(s => s.Facts.Count));
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
                case RoomFact room:
                    AppendRoom(args, room);
                    break;
            }
        }

        messages.AppendTo(args, keys, knownSenders, newSenders);
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

    private void AppendGift(List<RedisValue> args, GiftFact gift, int dedupSeconds, HashSet<DateOnly> giftDays)
    {
        args.Add("gift");
        args.Add(keys.GiftSeen(gift.Key).ToString());
        args.Add(dedupSeconds);
        args.Add(keys.Room(gift.RoomId).ToString());
        args.Add(keys.RoomGifters(gift.RoomId).ToString());
        args.Add(gift.Value);
        args.Add(gift.Count);
        args.Add(gift.SenderUserId);
        if (gift.AnchorUserId > 0)
        {
            var day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(gift.TimeMs).UtcDateTime);
            giftDays.Add(day);
            args.Add(gift.AnchorUserId);
            args.Add(keys.TopAnchors.ToString());
            args.Add(keys.TopAnchorsOfDay(day).ToString());
        }
        else
        {
            args.Add(0);
            args.Add(string.Empty);
            args.Add(string.Empty);
        }

        args.Add(Seconds(gift.TimeMs));
        args.Add(giftTau);
    }

    private void AppendRoom(List<RedisValue> args, RoomFact room)
    {
        args.Add("rm");
        args.Add(keys.Room(room.RoomId).ToString());
        args.Add(keys.LiveRooms.ToString());
        args.Add(keys.AnchorLiveRooms(room.AnchorUserId).ToString());
        args.Add(room.RoomId);
        args.Add(room.TimeMs);
        args.Add(room.Live ? "1" : "0");
        args.Add(room.AnchorUserId);
        args.Add(room.Title);
        args.Add(room.Category);
        args.Add(EndedRoomTtlSeconds);
    }

    private static void Seen(Dictionary<(long, long), long> seen, long userId, long roomId, long timeMs)
    {
        if (userId <= 0)
        {
            return;
        }

        var key = (userId, roomId);
        if (!seen.TryGetValue(key, out var known) || known < timeMs)
        {
            seen[key] = timeMs;
        }
    }

    private static void Op(List<RedisValue> args, string op, RedisKey key, long value)
    {
        args.Add(op);
        args.Add(key.ToString());
        args.Add(value);
    }

    internal static string Seconds(long timeMs) => (timeMs / 1000.0).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The messages of one group, folded to one operation per room-second, room-minute and room.</summary>
    private sealed class MessageAggregate(double tauSeconds)
    {
        private readonly string tau = tauSeconds.ToString("R", CultureInfo.InvariantCulture);
        private readonly Dictionary<(long Room, long Second), long> perSecond = [];
        private readonly Dictionary<(long Room, long Minute), HashSet<long>> senders = [];
        private readonly Dictionary<long, Decayed> perRoom = [];

        public void Add(MessageFact message)
        {
            var second = message.TimeMs / 1000;
            var key = (message.RoomId, second);
            perSecond[key] = perSecond.GetValueOrDefault(key) + 1;
            var minuteKey = (message.RoomId, second / 60);
            if (!senders.TryGetValue(minuteKey, out var set))
            {
                senders[minuteKey] = set = [];
            }

            set.Add(message.UserId);
            perRoom[message.RoomId] = perRoom.GetValueOrDefault(message.RoomId).Add(message.TimeMs / 1000.0, tauSeconds);
        }

        public void AppendTo(List<RedisValue> args, StatsKeys keys, KnownSenders known, List<(long Room, long Minute, long User)> newSenders)
        {
            var minutes = new HashSet<(long, long)>();
            foreach (var ((room, second), count) in perSecond)
            {
                var minute = second / 60;
                args.Add("hi");
                args.Add(keys.RoomRate(room, minute).ToString());
                args.Add(second % 60);
                args.Add(count);
                minutes.Add((room, minute));
            }

            foreach (var (room, minute) in minutes)
            {
                Op(args, "ex", keys.RoomRate(room, minute), RateTtlSeconds);
            }

            foreach (var ((room, minute), users) in senders)
            {
                // Lua's unpack is limited to a few thousand values, so large sets go in chunks.
                string? key = null;
                var countIndex = -1;
                var count = 0;
                foreach (var user in users)
                {
                    if (known.Contains(room, minute, user))
                    {
                        continue;
                    }

                    if (countIndex < 0 || count == MaxMembersPerAdd)
                    {
                        if (countIndex >= 0)
                        {
                            args[countIndex] = count;
                        }

                        key ??= keys.RoomSenders(room, minute).ToString();
                        args.Add("pf");
                        args.Add(key);
                        countIndex = args.Count;
                        args.Add(0);
                        count = 0;
                    }

                    args.Add(user);
                    count++;
                    newSenders.Add((room, minute, user));
                }

                // The TTL runs from the last new sender: a minute whose senders are all known is not touched.
                if (key is not null)
                {
                    args[countIndex] = count;
                    Op(args, "ex", key, SendersTtlSeconds);
                }
            }

            foreach (var (room, decayed) in perRoom)
            {
                args.Add("msg");
                args.Add(keys.Room(room).ToString());
                args.Add(decayed.Count);
                args.Add(decayed.Sum.ToString("R", CultureInfo.InvariantCulture));
                args.Add(decayed.At.ToString("R", CultureInfo.InvariantCulture));
                args.Add(tau);
            }
        }
    }

    /// <summary>Σ exp(-(At - t)/τ) over events at times t, kept relative to the latest time At; order does not matter.</summary>
    private readonly record struct Decayed(long Count, double Sum, double At)
    {
        public Decayed Add(double time, double tau) => Count == 0
            ? new Decayed(1, 1, time)
            : time >= At
                ? new Decayed(Count + 1, Sum * Math.Exp((At - time) / tau) + 1, time)
                : new Decayed(Count + 1, Sum + Math.Exp((time - At) / tau), At);
    }

    /// <summary>
    /// Senders known to be in a minute's HyperLogLog, because a script call that added them succeeded: adding
    /// them again changes nothing, so they are left out of later batches. Bounded; when full it starts over
    /// (which only costs repeated adds). A batch being built reads it while the previous one, applied, adds to it.
    /// </summary>
    private sealed class KnownSenders
    {
        private const int MaxEntries = 1_000_000;
        private readonly Lock gate = new();
        private readonly HashSet<(long Room, long Minute, long User)> added = [];

        public bool Contains(long roomId, long minute, long userId)
        {
            lock (gate)
            {
                return added.Contains((roomId, minute, userId));
            }
        }

        public void Remember(List<(long Room, long Minute, long User)> senders)
        {
            lock (gate)
            {
                if (added.Count + senders.Count > MaxEntries)
                {
                    added.Clear();
                }

                foreach (var sender in senders)
                {
                    added.Add(sender);
                }
            }
        }
    }

    /// <summary>
    /// Which (user, room) pairs were written recently, so a chatter's every message does not rewrite the same
    /// "last seen" entry: one write per pair per minute of event time is enough for a window of hours. Bounded;
    /// when full it starts over (which only costs some repeated writes). A batch that fails after being built
    /// (or the batches built behind it) may leave a pair unwritten for up to that minute: "seen" steers
    /// recommendations, it is not a record.
    /// </summary>
    private sealed class RecentlySeen
    {
        private const int MaxEntries = 500_000;
        private const long RefreshMs = 60_000;
        private readonly Lock gate = new();
        private readonly Dictionary<(long, long), long> written = [];

        // Locked: a batch that must be rebuilt (see ApplyAsync) does so while the next batch is being built.
        public bool ShouldRecord(long userId, long roomId, long timeMs)
        {
            lock (gate)
            {
                return ShouldRecordLocked(userId, roomId, timeMs);
            }
        }

        private bool ShouldRecordLocked(long userId, long roomId, long timeMs)
        {
            var key = (userId, roomId);
            if (written.TryGetValue(key, out var at) && timeMs - at < RefreshMs)
            {
                return false;
            }

            if (written.Count >= MaxEntries)
            {
                written.Clear();
            }

            written[key] = timeMs;
            return true;
        }
    }
}

/// <summary>A batch's script arguments, built ahead of its turn by <see cref="RedisEffectWriter.PrepareAsync"/>.</summary>
public sealed class PreparedEffects
{
    internal PreparedEffects(IReadOnlyList<PartitionSlice> slices, List<(long Room, long Minute)> minutes, RedisKey[] counted, BuiltScript built)
    {
        Slices = slices;
        Minutes = minutes;
        Counted = counted;
        Built = built;
    }

    internal IReadOnlyList<PartitionSlice> Slices { get; }

    /// <summary>The (room, minute)s whose unique senders are counted, in the order of <see cref="Counted"/>.</summary>
    internal List<(long Room, long Minute)> Minutes { get; }

    internal RedisKey[] Counted { get; }

    internal BuiltScript Built { get; }
}

/// <summary>Script arguments, the partitions they move and the senders they add.</summary>
internal sealed record BuiltScript(RedisValue[] Args, List<(TopicPartition Partition, long Last)> Groups, List<(long Room, long Minute, long User)> NewSenders);
