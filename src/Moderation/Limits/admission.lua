-- Admits a batch of messages, each judged atomically in arrival order (see RedisAdmission): token bucket,
-- room timeout, slow mode, then per-user and room-wide duplicates, stopping at the first refusal.
-- Per item, 3 KEYS: the user's state in the room (hash: t tokens, ts last refill, to timed out until, last accepted
-- under slow mode; ModerationKeys.UserState), duplicate, room duplicate; 7 ARGV: now (ms), rate per second, burst,
-- stage (AdmissionStage), duplicate window (ms), the room's slow-mode interval and unique window (ms, 0 = off; the
-- node keeps them, RoomRulesCache).
-- Returns two values per item: the AdmissionCode and the retry-after in ms.
-- The user's state is one read and at most one write per message. Its key lives as long as its longest part: the
-- bucket until it would be full again, a timeout until it ends, the last accepted message until its interval ends.

-- Writes the user's state after the token was spent (whatever follows); 'last' only for an accepted message under
-- slow mode.
local function save(key, now, rate, burst, tokens, stamp, timedOutUntil, last, slowMs, accepted)
  local ttl = math.ceil((burst - tokens) * 1000 / rate) + 1000
  if timedOutUntil and timedOutUntil > now then
    ttl = math.max(ttl, timedOutUntil - now)
  end
  if accepted and slowMs > 0 then
    redis.call('HSET', key, 't', tokens, 'ts', stamp, 'last', now)
    ttl = math.max(ttl, slowMs)
  else
    redis.call('HSET', key, 't', tokens, 'ts', stamp)
    if last and slowMs > 0 and now - last < slowMs then
      ttl = math.max(ttl, last + slowMs - now)
    end
  end
  redis.call('PEXPIRE', key, ttl)
end

local function admit(k, a)
  local now = tonumber(ARGV[a + 1])
  local rate = tonumber(ARGV[a + 2])
  local burst = tonumber(ARGV[a + 3])
  local stage = tonumber(ARGV[a + 4])
  local dupWindow = tonumber(ARGV[a + 5])
  local slowMs = tonumber(ARGV[a + 6])
  local uniqueMs = tonumber(ARGV[a + 7])

  local state = redis.call('HMGET', KEYS[k + 1], 't', 'ts', 'to', 'last')
  local tokens = tonumber(state[1])
  local stamp = tonumber(state[2])
  local timedOutUntil = tonumber(state[3])
  local last = tonumber(state[4])
  if tokens == nil or stamp == nil then
    tokens = burst
    stamp = now
  end
  if now > stamp then
    tokens = math.min(burst, tokens + (now - stamp) * rate / 1000)
    stamp = now
  end
  if tokens < 1 then
    return 1, math.ceil((1 - tokens) * 1000 / rate)
  end
  tokens = tokens - 1

  if timedOutUntil and timedOutUntil > now then
    save(KEYS[k + 1], now, rate, burst, tokens, stamp, timedOutUntil, last, slowMs, false)
    return 2, timedOutUntil - now
  end

  if slowMs > 0 and last and now - last < slowMs then
    save(KEYS[k + 1], now, rate, burst, tokens, stamp, timedOutUntil, last, slowMs, false)
    return 3, slowMs - (now - last)
  end

  if stage == 0 then
    save(KEYS[k + 1], now, rate, burst, tokens, stamp, timedOutUntil, last, slowMs, false)
    return 4, 0
  end

  if dupWindow > 0 then
    local sent = tonumber(redis.call('GET', KEYS[k + 2]))
    if sent and now - sent < dupWindow then
      save(KEYS[k + 1], now, rate, burst, tokens, stamp, timedOutUntil, last, slowMs, false)
      return 5, dupWindow - (now - sent)
    end
  end

  if uniqueMs > 0 then
    local seen = tonumber(redis.call('GET', KEYS[k + 3]))
    if seen and now - seen < uniqueMs then
      save(KEYS[k + 1], now, rate, burst, tokens, stamp, timedOutUntil, last, slowMs, false)
      return 6, uniqueMs - (now - seen)
    end
  end

  if stage == 1 then
    save(KEYS[k + 1], now, rate, burst, tokens, stamp, timedOutUntil, last, slowMs, false)
    return 7, 0
  end

  save(KEYS[k + 1], now, rate, burst, tokens, stamp, timedOutUntil, last, slowMs, true)
  if dupWindow > 0 then
    redis.call('SET', KEYS[k + 2], now, 'PX', dupWindow)
  end
  if uniqueMs > 0 then
    redis.call('SET', KEYS[k + 3], now, 'PX', uniqueMs)
  end
  return 0, 0
end

local out = {}
for i = 0, #KEYS / 3 - 1 do
  local code, retry = admit(i * 3, i * 7)
  out[i * 2 + 1] = code
  out[i * 2 + 2] = retry
end
return out
