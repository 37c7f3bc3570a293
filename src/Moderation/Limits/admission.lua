-- Admits a batch of messages, each judged atomically in arrival order (see RedisAdmission): token bucket,
-- room timeout, slow mode, then per-user and room-wide duplicates, stopping at the first refusal.
-- Per item, 5 KEYS: rate bucket, timeout, last accepted, duplicate, room duplicate; 7 ARGV: now (ms), rate per
-- second, burst, stage (AdmissionStage), duplicate window (ms), the room's slow-mode interval and unique window
-- (ms, 0 = off; the node keeps them, RoomRulesCache).
-- Returns two values per item: the AdmissionCode and the retry-after in ms.

local function admit(k, a)
  local now = tonumber(ARGV[a + 1])
  local rate = tonumber(ARGV[a + 2])
  local burst = tonumber(ARGV[a + 3])
  local stage = tonumber(ARGV[a + 4])
  local dupWindow = tonumber(ARGV[a + 5])

  local bucket = redis.call('HMGET', KEYS[k + 1], 't', 'ts')
  local tokens = tonumber(bucket[1])
  local stamp = tonumber(bucket[2])
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
  redis.call('HSET', KEYS[k + 1], 't', tokens, 'ts', stamp)
  redis.call('PEXPIRE', KEYS[k + 1], math.ceil((burst - tokens) * 1000 / rate) + 1000)

  local timedOutUntil = tonumber(redis.call('GET', KEYS[k + 2]))
  if timedOutUntil and timedOutUntil > now then
    return 2, timedOutUntil - now
  end

  local slowMs = tonumber(ARGV[a + 6])
  if slowMs > 0 then
    local last = tonumber(redis.call('GET', KEYS[k + 3]))
    if last and now - last < slowMs then
      return 3, slowMs - (now - last)
    end
  end

  if stage == 0 then
    return 4, 0
  end

  if dupWindow > 0 then
    local sent = tonumber(redis.call('GET', KEYS[k + 4]))
    if sent and now - sent < dupWindow then
      return 5, dupWindow - (now - sent)
    end
  end

  local uniqueMs = tonumber(ARGV[a + 7])
  if uniqueMs > 0 then
    local seen = tonumber(redis.call('GET', KEYS[k + 5]))
    if seen and now - seen < uniqueMs then
      return 6, uniqueMs - (now - seen)
    end
  end

  if stage == 1 then
    return 7, 0
  end

  if dupWindow > 0 then
    redis.call('SET', KEYS[k + 4], now, 'PX', dupWindow)
  end
  if slowMs > 0 then
    redis.call('SET', KEYS[k + 3], now, 'PX', slowMs)
  end
  if uniqueMs > 0 then
    redis.call('SET', KEYS[k + 5], now, 'PX', uniqueMs)
  end
  return 0, 0
end

local out = {}
for i = 0, #KEYS / 5 - 1 do
  local code, retry = admit(i * 5, i * 7)
  out[i * 2 + 1] = code
  out[i * 2 + 2] = retry
end
return out
