-- Removes a message from the room's history and, only if it was there, publishes the delete frame.
-- KEYS: history stream; ARGV: the message's stream id, the room's channel, the delete frame.
-- Returns the removed entry's frame (so the caller can tell Kafka whose message it was), or nil.

local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entry == 0 then
  return false
end
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return entry[1][2][2]
