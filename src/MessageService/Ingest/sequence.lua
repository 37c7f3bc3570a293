-- Sequences a batch of frames in arrival order: each gets its room's next seq, is appended to the capped
-- history and published, atomically, so every subscriber sees a room's frames in seq order.
-- Per item, 2 KEYS: seq counter, history stream; 5 ARGV: frame head, frame tail (around the 8-byte seq slot,
-- joined here with the big-endian seq), history length, TTL (ms), channel. Returns one seq per item.
-- A room's TTLs are refreshed once per batch.

local out = {}
local refreshed = {}
for i = 0, #KEYS / 2 - 1 do
  local k = i * 2
  local a = i * 5
  local seq = redis.call('INCR', KEYS[k + 1])
  local frame = ARGV[a + 1] .. struct.pack('>l', seq) .. ARGV[a + 2]
  redis.call('XADD', KEYS[k + 2], 'MAXLEN', ARGV[a + 3], seq .. '-0', 'f', frame)
  if not refreshed[KEYS[k + 1]] then
    refreshed[KEYS[k + 1]] = true
    redis.call('PEXPIRE', KEYS[k + 1], ARGV[a + 4])
    redis.call('PEXPIRE', KEYS[k + 2], ARGV[a + 4])
  end
  redis.call('PUBLISH', ARGV[a + 5], frame)
  out[i + 1] = seq
end
return out
