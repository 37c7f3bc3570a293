-- Admits a batch of messages, each judged atomically in arrival order (see RedisAdmission): token bucket,
-- room timeout, slow mode, then per-user and room-wide duplicates, stopping at the first refusal.
-- Per item, 7 KEYS: rate bucket, timeout, room slow mode, last accepted, duplicate, room unique mode,
-- room duplicate; 5 ARGV: now (ms), rate per second, burst, stage (AdmissionStage), duplicate window (ms).
-- Returns two values per item: the AdmissionCode and the retry-after in ms.

-- A room's rules (slow mode, unique mode) are read once per batch: only admins change them, never this script.
local roomRules = {}
local function rule(key)
  local value = roomRules[key]
  if value == nil then
    value = tonumber(redis.call('GET', key)) or 0
    roomRules[key] = value
  end
  return value
end

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

  local slowMs = rule(KEYS[k + 3])
  if slowMs > 0 then
    local last = tonumber(redis.call('GET', KEYS[k + 4]))
    if last and now - last < slowMs then
      return 3, slowMs - (now - last)
    end
  end

  if stage == 0 then
    return 4, 0
  end

  if dupWindow > 0 then
    local sent = tonumber(redis.call('GET', KEYS[k + 5]))
    if sent and now - sent < dupWindow then
      return 5, dupWindow - (now - sent)
    end
  end

  local uniqueMs = rule(KEYS[k + 6])
  if uniqueMs > 0 then
    local seen = tonumber(redis.call('GET', KEYS[k + 7]))
    if seen and now - seen < uniqueMs then
      return 6, uniqueMs - (now - seen)
    end
  end

  if stage == 1 then
    return 7, 0
  end

  if dupWindow > 0 then
    redis.call('SET', KEYS[k + 5], now, 'PX', dupWindow)
  end
  if slowMs > 0 then
    redis.call('SET', KEYS[k + 4], now, 'PX', slowMs)
  end
  if uniqueMs > 0 then
    redis.call('SET', KEYS[k + 7], now, 'PX', uniqueMs)
  end
  return 0, 0
end

local out = {}
for i = 0, #KEYS / 7 - 1 do
  local code, retry = admit(i * 7, i * 5)
  out[i * 2 + 1] = code
  out[i * 2 + 2] = retry
end
return out
