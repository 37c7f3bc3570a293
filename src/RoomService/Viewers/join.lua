-- Adds a viewer only while the room's live marker exists, raising the broadcast's peak.
-- KEYS: live marker, viewer set, peak; ARGV: user id. Returns {viewers, peak}, or {-1, 0} when not live.

if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
redis.call('SADD', KEYS[2], ARGV[1])
local n = redis.call('SCARD', KEYS[2])
local peak = tonumber(redis.call('GET', KEYS[3]) or '0')
if n > peak then
  redis.call('SET', KEYS[3], n)
  peak = n
end
return {n, peak}
