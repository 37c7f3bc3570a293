-- Applies a batch of StatsService's Redis effects (see RedisEffectWriter) and counts unique senders.
--
-- ARGV starts with the names and TTLs this script shares with C# (RedisEffectWriter.ScriptHeader), then holds
-- a list of groups, one per partition: "wm", watermark key, first offset, last offset, token count, then that
-- many tokens of operations. Pass 1 refuses the batch if a watermark lies inside a group's range (someone else
-- applied part of it: the caller re-reads the watermarks and rebuilds); pass 2 skips groups already applied and
-- applies the rest, moving their watermarks. KEYS are HyperLogLogs counted afterwards.
-- Returns {'split', watermark keys...} or {'ok', groups applied, {count per KEY}}.
--
-- The operations are compact (a gift is one operation, a batch's "last seen" entries are one) because the
-- arguments are most of what the script costs to send and to turn into Lua strings.

local a = ARGV
local F_ANCHOR, F_TITLE, F_CATEGORY, F_LIVE, F_EVENT_TIME, F_HEAT = a[1], a[2], a[3], a[4], a[5], a[6]
local F_MESSAGES, F_MESSAGE_DECAYED, F_MESSAGE_DECAYED_AT = a[7], a[8], a[9]
local F_GIFT_VALUE, F_GIFT_COUNT, F_GIFT_DECAYED, F_GIFT_DECAYED_AT = a[10], a[11], a[12], a[13]
local USER_SEEN_TTL, DAY_BOARD_TTL = a[14], a[15]
local F_SALE_ORDERS, F_SALE_UNITS, F_SALE_REVENUE = a[16], a[17], a[18]
local FIRST_GROUP = 19
local n = #a
local i = FIRST_GROUP
local split = {}
-- Gifts and sales may be published twice at different offsets (their outboxes deliver at least once): each is
-- counted only by the call that first sets its key.
local function first_time(key, ttl)
  return redis.call('SET', key, '1', 'NX', 'EX', ttl)
end
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
i = FIRST_GROUP
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
        redis.call('HINCRBY', a[j + 1], F_MESSAGES, a[j + 2])
        decay(a[j + 1], F_MESSAGE_DECAYED, F_MESSAGE_DECAYED_AT, tonumber(a[j + 3]), tonumber(a[j + 4]), tonumber(a[j + 5]))
        j = j + 6
      elseif op == 'mc' then
        -- counted bitmap, its TTL, count, then that many seqs
        local last = j + 4 + tonumber(a[j + 3])
        for k = j + 4, last - 1 do
          redis.call('SETBIT', a[j + 1], a[k], 1)
        end
        redis.call('EXPIRE', a[j + 1], a[j + 2])
        j = last
      elseif op == 'del' then
        -- counted bitmap, seq, room, rate hash of its minute, its second, verdict key, value, TTL. Only a seq
        -- marked counted is taken back, and its mark is cleared: a second delete finds nothing to take.
        if redis.call('GETBIT', a[j + 1], a[j + 2]) == 1 then
          redis.call('SETBIT', a[j + 1], a[j + 2], 0)
          redis.call('HINCRBY', a[j + 3], F_MESSAGES, -1)
          if redis.call('HEXISTS', a[j + 4], a[j + 5]) == 1 then
            redis.call('HINCRBY', a[j + 4], a[j + 5], -1)
          end
          redis.call('SET', a[j + 6], a[j + 7], 'EX', a[j + 8])
        end
        j = j + 9
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
            redis.call('EXPIRE', a[j], USER_SEEN_TTL)
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
        if first_time(a[j + 1], a[j + 2]) then
          local room, value = a[j + 3], a[j + 5]
          redis.call('ZINCRBY', a[j + 4], value, a[j + 7])
          if a[j + 8] ~= '0' then
            redis.call('ZINCRBY', a[j + 9], value, a[j + 8])
            redis.call('ZINCRBY', a[j + 10], value, a[j + 8])
            redis.call('EXPIRE', a[j + 10], DAY_BOARD_TTL)
          end
          redis.call('HINCRBY', room, F_GIFT_VALUE, value)
          redis.call('HINCRBY', room, F_GIFT_COUNT, a[j + 6])
          decay(room, F_GIFT_DECAYED, F_GIFT_DECAYED_AT, tonumber(value), tonumber(a[j + 11]), tonumber(a[j + 12]))
        end
        j = j + 13
      elseif op == 'sale' then
        -- once key (the order id), its TTL, room, units, coins
        if first_time(a[j + 1], a[j + 2]) then
          redis.call('HINCRBY', a[j + 3], F_SALE_ORDERS, 1)
          redis.call('HINCRBY', a[j + 3], F_SALE_UNITS, a[j + 4])
          redis.call('HINCRBY', a[j + 3], F_SALE_REVENUE, a[j + 5])
        end
        j = j + 6
      elseif op == 'rm' then
        local room, ets = a[j + 1], tonumber(a[j + 5])
        if ets >= tonumber(redis.call('HGET', room, F_EVENT_TIME) or '-1') then
          redis.call('HSET', room, F_EVENT_TIME, a[j + 5], F_LIVE, a[j + 6], F_ANCHOR, a[j + 7], F_TITLE, a[j + 8], F_CATEGORY, a[j + 9])
          if a[j + 6] == '1' then
            redis.call('SADD', a[j + 2], a[j + 4])
            redis.call('SADD', a[j + 3], a[j + 4])
            redis.call('PERSIST', room)
          else
            redis.call('SREM', a[j + 2], a[j + 4])
            redis.call('SREM', a[j + 3], a[j + 4])
            redis.call('HDEL', room, F_HEAT)
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
