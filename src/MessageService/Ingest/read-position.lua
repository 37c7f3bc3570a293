-- A room's stream position: {seq, epoch}, '0' for what is missing. The epoch stays a string: a 16-digit Lua
-- number would lose digits on the way. KEYS: position hash {seq, epoch}. A seq key from before epochs (a plain
-- counter, ADR 0003) reads as its seq in no epoch (0) until its next message moves it into the hash
-- (sequence.lua).

local position = redis.pcall('HMGET', KEYS[1], 'seq', 'epoch')
if position.err then
  return {redis.call('GET', KEYS[1]) or '0', '0'}
end
return {position[1] or '0', position[2] or '0'}
