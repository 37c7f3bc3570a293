-- Removes a message from the room's history and, only if it was there, publishes the delete frame.
-- KEYS: history stream; ARGV: the message's stream id, the room's channel, the delete frame. Returns 1 or 0.

if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
