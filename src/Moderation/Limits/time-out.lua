-- Times a user out of a room (ARGV[1]: until, Unix ms) or lifts the timeout (ARGV[1] = '0'), in the 'to' field of the
-- user's state (KEYS[1], ModerationKeys.UserState). A timeout keeps the key alive at least until it ends (ARGV[2],
-- ms from now); the admission script keeps it so from then on. ARGV[3]: now (Unix ms).
-- Returns when the timeout in force before ends (Unix ms), or 0 when there was none.
local before = tonumber(redis.call('HGET', KEYS[1], 'to')) or 0
if before <= tonumber(ARGV[3]) then
  before = 0
end
if ARGV[1] == '0' then
  redis.call('HDEL', KEYS[1], 'to')
else
  redis.call('HSET', KEYS[1], 'to', ARGV[1])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  end
end
return before
