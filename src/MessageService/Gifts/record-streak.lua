-- Adds a gift's count to its streak and decides when the running total is shown (see GiftStreaks).
-- KEYS: the streak hash; ARGV: count, window (ms), flush interval (ms). Returns {total, StreakStep, delay ms, due ms}.
-- A pending update whose owner went away (it stopped before its due time) is taken over by the next gift
-- once it is a whole flush interval late.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local total = redis.call('HINCRBY', KEYS[1], 'total', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local flush = tonumber(ARGV[3])
local due = tonumber(redis.call('HGET', KEYS[1], 'due'))
if due and now < due + flush then
  return {total, 2, 0, due}
end
local publishedAt = tonumber(redis.call('HGET', KEYS[1], 'pub_at'))
if not publishedAt or now - publishedAt >= flush then
  redis.call('HSET', KEYS[1], 'pub', total, 'pub_at', now)
  redis.call('HDEL', KEYS[1], 'due')
  return {total, 0, 0, 0}
end
due = publishedAt + flush
redis.call('HSET', KEYS[1], 'due', due)
return {total, 1, due - now, due}
