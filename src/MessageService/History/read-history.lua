-- A room's latest seq and epoch, the id of the oldest entry still in its history, and the entries from a
-- stream id on. KEYS: position hash {seq, epoch}, history stream; ARGV: first stream id to return, most
-- entries to return. The epoch stays a string: a 16-digit Lua number would lose digits on the way. A seq key
-- from before epochs (a plain counter, ADR 0003) reads as its seq in no epoch (0) until its next message
-- moves it into the hash (sequence.lua).

local position = redis.pcall('HMGET', KEYS[1], 'seq', 'epoch')
if position.err then
  position = {redis.call('GET', KEYS[1]), false}
end
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
local entries = redis.call('XRANGE', KEYS[2], ARGV[1], '+', 'COUNT', ARGV[2])
local firstId = '0-0'
if #first > 0 then firstId = first[1][1] end
return {position[1] or '0', position[2] or '0', firstId, entries}
