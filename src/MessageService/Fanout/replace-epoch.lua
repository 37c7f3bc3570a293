-- A room feed saw the seq go backwards within an epoch (ADR 0007): replace the epoch if it is still the one
-- the feed knew, and publish the announcement of the epoch in force either way.
-- KEYS: position hash {seq, epoch}; ARGV: the epoch the feed knew, channel, and a not-recovered frame in three
-- parts: up to the user id slot, the room id, after the seq slot. The epoch goes in the user id slot, the seq
-- the new epoch continues after in the seq slot. Returns the epoch in force (0 when the room's state is gone:
-- its next message makes one; also for a seq key from before epochs, a plain counter). A new epoch is TIME in
-- µs built as a string (Lua prints a 16-digit number in exponent form), never equal to the one it replaces.

local epoch = redis.pcall('HGET', KEYS[1], 'epoch')
if type(epoch) == 'table' or not epoch then
  return 0
end
if epoch == ARGV[1] then
  local now = redis.call('TIME')
  local fresh = now[1] .. string.format('%06d', tonumber(now[2]))
  if fresh == epoch then
    fresh = string.format('%.0f', tonumber(fresh) + 1)
  end
  redis.call('HSET', KEYS[1], 'epoch', fresh)
  epoch = fresh
end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
redis.call('PUBLISH', ARGV[2], ARGV[3] .. struct.pack('>l', tonumber(epoch)) .. ARGV[4] .. struct.pack('>l', seq) .. ARGV[5])
return epoch
