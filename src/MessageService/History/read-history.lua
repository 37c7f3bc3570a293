-- A room's latest seq, the id of the oldest entry still in its history, and the entries from a stream id on.
-- KEYS: seq counter, history stream; ARGV: first stream id to return, most entries to return.

local latest = tonumber(redis.call('GET', KEYS[1]) or '0')
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
local entries = redis.call('XRANGE', KEYS[2], ARGV[1], '+', 'COUNT', ARGV[2])
local firstId = '0-0'
if #first > 0 then firstId = first[1][1] end
return {latest, firstId, entries}
