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
/// gift outbox may republish one at a later offset.
/// </summary>
public sealed class RedisEffectWriter(IConnectionMultiplexer redis, StatsKeys keys, IOptions<StatsOptions> options, IOptions<HeatOptions> heat)
{
    // ARGV is a list of groups, one per partition: "wm", watermark key, first offset, last offset, token count,
    // then that many tokens of operations. Pass 1 refuses the batch if a watermark lies inside a group's range
    // (someone else applied part of it: the caller re-reads the watermarks and rebuilds); pass 2 skips groups
    // already applied and applies the rest, moving their watermarks.
    private const string Script = """
        local a = ARGV
        local n = #a
        local i = 1
        local split = {}
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
              elseif op == 'zi' then
                redis.call('ZINCRBY', a[j + 1], a[j + 2], a[j + 3])
                j = j + 4
              elseif op == 'seen' then
                -- Trim and refresh the TTL only when a room is new to the user: repeat visits cost one command.
                if redis.call('ZADD', a[j + 1], 'GT', a[j + 2], a[j + 3]) == 1 then
                  if redis.call('ZCARD', a[j + 1]) > tonumber(a[j + 4]) then
                    redis.call('ZREMRANGEBYRANK', a[j + 1], 0, -1 - tonumber(a[j + 4]))
                  end
                  redis.call('EXPIRE', a[j + 1], a[j + 5])
                end
                j = j + 6
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
              elseif op == 'dx' then
                local k, fv, ft = a[j + 1], a[j + 2], a[j + 3]
                local sum, t, tau = tonumber(a[j + 4]), tonumber(a[j + 5]), tonumber(a[j + 6])
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
                j = j + 7
              elseif op == 'once' then
                if redis.call('SET', a[j + 1], '1', 'NX', 'EX', a[j + 2]) then
                  j = j + 4
                else
                  j = j + 4 + tonumber(a[j + 3])
                end
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
        return {'ok', applied}
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

    private readonly RecentlySeen recentlySeen = new();

    // The Redis watermark of each assigned partition as last read or written. Only the consumer thread uses it.
    private readonly Dictionary<TopicPartition, long> watermarks = [];

    /// <summary>Partitions this process no longer owns (or newly owns): their watermarks are read again before use.</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            watermarks.Remove(partition);
        }
    }

    /// <summary>
    /// Applies what the store has not seen of the batch, then returns the unique senders of every minute the
    /// batch's messages fall in (read after the apply, so a replayed batch returns the same counts).
    /// </summary>
    public async Task<Dictionary<(long Room, long Minute), long>> ApplyAsync(IReadOnlyList<PartitionSlice> slices)
    {
        await ApplyEffectsAsync(slices);
        return await CountUniqueSendersAsync(slices);
    }

    private async Task<Dictionary<(long Room, long Minute), long>> CountUniqueSendersAsync(IReadOnlyList<PartitionSlice> slices)
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

        var batch = redis.GetDatabase().CreateBatch();
        var counts = minutes.Select(m => (m, batch.HyperLogLogLengthAsync(keys.RoomSenders(m.Room, m.Minute)))).ToList();
        batch.Execute();
        var result = new Dictionary<(long Room, long Minute), long>(counts.Count);
        foreach (var (minute, count) in counts)
        {
            result[minute] = await count;
        }

        return result;
    }

    private async Task ApplyEffectsAsync(IReadOnlyList<PartitionSlice> slices)
    {
        var db = redis.GetDatabase();
        var unknown = slices.Select(s => s.Partition).Where(p => !watermarks.ContainsKey(p)).ToList();
        await ReadWatermarksAsync(db, unknown);
        for (var attempt = 1; ; attempt++)
        {
            var args = new List<RedisValue>(1024);
            var groups = new List<(TopicPartition Partition, long Last)>();
            foreach (var slice in slices)
            {
                if (AppendGroup(args, slice, watermarks[slice.Partition]))
                {
                    groups.Add((slice.Partition, slice.LastOffset));
                }
            }

            if (groups.Count == 0)
            {
                return;
            }

            var result = (RedisResult[])(await db.ScriptEvaluateAsync(Script, values: [.. args]))!;
            if ((string?)result[0] == "ok")
            {
                foreach (var (partition, last) in groups)
                {
                    watermarks[partition] = last;
                }

                return;
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException("Redis watermarks kept moving under this consumer; another consumer is applying the same partitions.");
            }

            // Another consumer (one that lost these partitions in a rebalance) applied part of the range.
            await ReadWatermarksAsync(db, groups.Select(g => g.Partition).ToList());
        }
    }

    private async Task ReadWatermarksAsync(IDatabase db, List<TopicPartition> partitions)
    {
        if (partitions.Count == 0)
        {
            return;
        }

        var values = await db.StringGetAsync([.. partitions.Select(p => (RedisKey)keys.Watermark(p.Topic, p.Partition.Value))]);
        for (var i = 0; i < partitions.Count; i++)
        {
            watermarks[partitions[i]] = values[i].IsNull ? -1 : (long)values[i];
        }
    }

    /// <summary>Adds the group of one partition's records past its watermark; false when there are none.</summary>
    private bool AppendGroup(List<RedisValue> args, PartitionSlice slice, long watermark)
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
                    AppendGift(args, gift, giftDays);
                    giftedRooms.Add(gift.RoomId);
                    Seen(seen, gift.SenderUserId, gift.RoomId, gift.TimeMs);
                    break;
                case RoomFact room:
                    AppendRoom(args, room);
                    break;
            }
        }

        messages.AppendTo(args, keys);
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

        foreach (var ((user, room), timeMs) in seen)
        {
            if (!recentlySeen.ShouldRecord(user, room, timeMs))
            {
                continue;
            }

            args.Add("seen");
            args.Add(keys.UserSeenRooms(user).ToString());
            args.Add(timeMs);
            args.Add(room);
            args.Add(settings.SeenRoomsPerUser);
            args.Add(UserSeenTtlSeconds);
        }

        args[lengthIndex] = args.Count - start;
        return true;
    }

    private void AppendGift(List<RedisValue> args, GiftFact gift, HashSet<DateOnly> giftDays)
    {
        args.Add("once");
        args.Add(keys.GiftSeen(gift.Key).ToString());
        args.Add(settings.GiftDedupDays * 86_400);
        var lengthIndex = args.Count;
        args.Add(0);
        var start = args.Count;
        var room = keys.Room(gift.RoomId).ToString();
        args.Add("zi");
        args.Add(keys.RoomGifters(gift.RoomId).ToString());
        args.Add(gift.Value);
        args.Add(gift.SenderUserId);
        if (gift.AnchorUserId > 0)
        {
            var day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(gift.TimeMs).UtcDateTime);
            giftDays.Add(day);
            args.Add("zi");
            args.Add(keys.TopAnchors.ToString());
            args.Add(gift.Value);
            args.Add(gift.AnchorUserId);
            args.Add("zi");
            args.Add(keys.TopAnchorsOfDay(day).ToString());
            args.Add(gift.Value);
            args.Add(gift.AnchorUserId);
            Op(args, "ex", keys.TopAnchorsOfDay(day), DayBoardTtlSeconds);
        }

        args.Add("hi");
        args.Add(room);
        args.Add(StatsKeys.Field.GiftValue);
        args.Add(gift.Value);
        args.Add("hi");
        args.Add(room);
        args.Add(StatsKeys.Field.GiftCount);
        args.Add(gift.Count);
        args.Add("dx");
        args.Add(room);
        args.Add(StatsKeys.Field.GiftDecayed);
        args.Add(StatsKeys.Field.GiftDecayedAt);
        args.Add(gift.Value);
        args.Add(Seconds(gift.TimeMs));
        args.Add(heatSettings.GiftTauSeconds.ToString("R", CultureInfo.InvariantCulture));
        args[lengthIndex] = args.Count - start;
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

        public void AppendTo(List<RedisValue> args, StatsKeys keys)
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
                var key = keys.RoomSenders(room, minute).ToString();
                // Lua's unpack is limited to a few thousand values, so large sets go in chunks.
                var countIndex = -1;
                foreach (var user in users)
                {
                    if (countIndex < 0 || (long)args[countIndex] == MaxMembersPerAdd)
                    {
                        args.Add("pf");
                        args.Add(key);
                        countIndex = args.Count;
                        args.Add(0);
                    }

                    args.Add(user);
                    args[countIndex] = (long)args[countIndex] + 1;
                }

                Op(args, "ex", key, SendersTtlSeconds);
            }

            foreach (var (room, decayed) in perRoom)
            {
                var roomKey = keys.Room(room).ToString();
                args.Add("hi");
                args.Add(roomKey);
                args.Add(StatsKeys.Field.Messages);
                args.Add(decayed.Count);
                args.Add("dx");
                args.Add(roomKey);
                args.Add(StatsKeys.Field.MessageDecayed);
                args.Add(StatsKeys.Field.MessageDecayedAt);
                args.Add(decayed.Sum.ToString("R", CultureInfo.InvariantCulture));
                args.Add(decayed.At.ToString("R", CultureInfo.InvariantCulture));
                args.Add(tauSeconds.ToString("R", CultureInfo.InvariantCulture));
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
    /// Which (user, room) pairs were written recently, so a chatter's every message does not rewrite the same
    /// "last seen" entry: one write per pair per minute of event time is enough for a window of hours. Bounded;
    /// when full it starts over (which only costs some repeated writes). A batch that fails after being built
    /// may leave a pair unwritten for up to that minute: "seen" steers recommendations, it is not a record.
    /// </summary>
    private sealed class RecentlySeen
    {
        private const int MaxEntries = 500_000;
        private const long RefreshMs = 60_000;
        private readonly Dictionary<(long, long), long> written = [];

        public bool ShouldRecord(long userId, long roomId, long timeMs)
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
