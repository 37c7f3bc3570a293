-- Stores a cached room only over an older version, so a slow reader never puts back a replaced room.
-- KEYS: the room's cache hash; ARGV: version, Room protobuf, TTL (ms). Returns 1 when stored, 0 when not.

local current = redis.call('HGET', KEYS[1], 'v')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
