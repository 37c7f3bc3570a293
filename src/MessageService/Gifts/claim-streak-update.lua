-- Claims the total of a pending streak update for publishing: only the update that is still the pending one,
-- and only with a total larger than the last published. KEYS: the streak hash; ARGV: the update's due time (ms).
-- Returns the total to publish, or false.

if tonumber(redis.call('HGET', KEYS[1], 'due')) ~= tonumber(ARGV[1]) then
  return false
end
redis.call('HDEL', KEYS[1], 'due')
local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
local pub = tonumber(redis.call('HGET', KEYS[1], 'pub')) or 0
if not total or total <= pub then
  return false
end
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], 'pub', total, 'pub_at', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
return total
