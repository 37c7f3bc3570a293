-- Sequences a batch of frames in arrival order: each gets its room's next seq, is appended to the capped
-- history and published, atomically, so every subscriber sees a room's frames in seq order.
-- Per item, 2 KEYS: position hash {seq, epoch}, history stream; 6 ARGV: frame head, frame tail (around the
-- 8-byte seq slot, joined here with the big-endian seq), history length, TTL (ms), channel, the accepting
-- node's id (kept with the entry, so another node can hand it to Kafka if this one dies first: ADR 0014). Returns one seq
-- per item. A room's TTLs are refreshed once per batch.
-- A position without an epoch gets one (ADR 0007): the epoch is Redis TIME in µs, built as a string (Lua
-- prints a 16-digit number in exponent form), and the announcement goes out before the message: the
-- message's header turned into a not-recovered frame (type 11) with the epoch in the user id slot, the seq
-- the epoch continues after in the seq slot and empty fields. At seq 1 that is a new lineage (the room's
-- first message, or its state was lost): stale history is dropped. Above 1 it is a seq key from before
-- epochs (a plain counter, ADR 0003), moved into the hash here with its TTL: the same lineage goes on.

local out = {}
local refreshed = {}
for i = 0, #KEYS / 2 - 1 do
  local k = i * 2
  local a = i * 6
  local upgraded = false
  local seq = redis.pcall('HINCRBY', KEYS[k + 1], 'seq', 1)
  if type(seq) == 'table' then
    -- Not a hash. A counter from before epochs moves into one; anything else fails below as it did.
    local old = redis.call('GET', KEYS[k + 1])
    local ttl = redis.call('PTTL', KEYS[k + 1])
    redis.call('DEL', KEYS[k + 1])
    redis.call('HSET', KEYS[k + 1], 'seq', old)
    if ttl > 0 then
      redis.call('PEXPIRE', KEYS[k + 1], ttl)
    end
    seq = redis.call('HINCRBY', KEYS[k + 1], 'seq', 1)
    upgraded = true
  end
  if (seq == 1 or upgraded) and redis.call('HEXISTS', KEYS[k + 1], 'epoch') == 0 then
    local now = redis.call('TIME')
    local epoch = now[1] .. string.format('%06d', tonumber(now[2]))
    redis.call('HSET', KEYS[k + 1], 'epoch', epoch)
    if seq == 1 then
      redis.call('DEL', KEYS[k + 2])
    end
    local head = ARGV[a + 1]
    redis.call('PUBLISH', ARGV[a + 5], string.sub(head, 1, 3) .. '\11\0' .. string.sub(head, 6, 13)
      .. struct.pack('>l', tonumber(epoch)) .. string.sub(head, 22, 29) .. struct.pack('>l', seq - 1) .. '\0\0\0\0\0\0')
  end
  local frame = ARGV[a + 1] .. struct.pack('>l', seq) .. ARGV[a + 2]
  redis.call('XADD', KEYS[k + 2], 'MAXLEN', ARGV[a + 3], seq .. '-0', 'f', frame, 'n', ARGV[a + 6])
  if not refreshed[KEYS[k + 1]] then
    refreshed[KEYS[k + 1]] = true
    redis.call('PEXPIRE', KEYS[k + 1], ARGV[a + 4])
    redis.call('PEXPIRE', KEYS[k + 2], ARGV[a + 4])
  end
  redis.call('PUBLISH', ARGV[a + 5], frame)
  out[i + 1] = seq
end
return out
