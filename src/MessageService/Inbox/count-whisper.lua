-- One whisper in the sender's current one-minute window: KEYS[1] the window's counter, ARGV[1] the limit,
-- ARGV[2] the window's remaining milliseconds (its expiry). Returns the count after this whisper, or -1 when the
-- window is full (nothing is charged, so a refused whisper does not push the sender further back).
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  return -1
end
count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return count
