-- Removes a viewer. KEYS: live marker, viewer set, peak (the same keys as join.lua); ARGV: user id.
-- Returns {viewers, peak}.

redis.call('SREM', KEYS[2], ARGV[1])
return {redis.call('SCARD', KEYS[2]), tonumber(redis.call('GET', KEYS[3]) or '0')}
