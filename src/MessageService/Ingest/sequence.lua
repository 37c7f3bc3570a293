-- Sequences a batch of frames in arrival order: each gets its room's next seq, is appended to the capped
-- history and published, atomically, so every subscriber sees a room's frames in seq order.
-- Per item, 2 KEYS: position hash {seq, epoch}, history stream; 5 ARGV: frame head, frame tail (around the
-- 8-byte seq slot, joined here with the big-endian seq), history length, TTL (ms), channel. Returns one seq
-- per item. A room's TTLs are refreshed once per batch.
-- A seq of 1 without an epoch is a new lineage (the first message, or the state was lost; ADR 0007): the
-- epoch is Redis TIME in µs, built as a string (Lua prints a 16-digit number in exponent form), stale
-- history is dropped, and the announcement goes out before the message: the message's header turned into a
-- not-recovered frame (type 11) with the epoch in the user id slot, seq 0 and empty fields.

local out = {}
local refreshed = {}
for i = 0, #KEYS / 2 - 1 do
  local k = i * 2
  local a = i * 5
  local seq = redis.call('HINCRBY', KEYS[k + 1], 'seq', 1)
  if seq == 1 and redis.call('HEXISTS', KEYS[k + 1], 'epoch') == 0 then
    local now = redis.call('TIME')
    local epoch = now[1] .. string.format('%06d', tonumber(now[2]))
    redis.call('HSET', KEYS[k + 1], 'epoch', epoch)
    redis.call('DEL', KEYS[k + 2])
    local head = ARGV[a + 1]
    redis.call('PUBLISH', ARGV[a + 5], string.sub(head, 1, 3) .. '\11\0' .. string.sub(head, 6, 13)
      .. struct.pack('>l', tonumber(epoch)) .. string.sub(head, 22, 29) .. struct.pack('>l', 0) .. '\0\0\0\0\0\0')
  end
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
