-- Sequences a batch of frames in arrival order: each gets its room's next seq, is appended to the capped
-- history and published, atomically, so every subscriber sees a room's frames in seq order.
-- Per item, 2 KEYS: position hash {seq, epoch}, history stream; 7 ARGV: frame head, frame tail (around the
-- 8-byte seq slot, joined here with the big-endian seq), history length, TTL (ms), channel, the accepting
-- node's id (kept with the entry, so another node can hand it to Kafka if this one dies first: ADR 0014), and
-- '1' to publish a room's frames of the batch as one message (back to back, in seq order) or '0' for one
-- message per frame (what subscribers from before ADR 0016 understand). Returns one seq per item.
-- A room's seqs are taken with one HINCRBY per batch and its TTLs refreshed once per batch.
-- A position without an epoch gets one (ADR 0007): the epoch is Redis TIME in µs, built as a string (Lua
-- prints a 16-digit number in exponent form), and the announcement goes out before the message: the
-- message's header turned into a not-recovered frame (type 11) with the epoch in the user id slot, the seq
-- the epoch continues after in the seq slot and empty fields. At seq 1 that is a new lineage (the room's
-- first message, or its state was lost): stale history is dropped. Above 1 it is a seq key from before
-- epochs (a plain counter, ADR 0003), moved into the hash here with its TTL: the same lineage goes on.

local count = #KEYS / 2
local rooms = {}
local order = {}
for i = 0, count - 1 do
  local key = KEYS[i * 2 + 1]
  local room = rooms[key]
  if room == nil then
    room = { item = i, size = 0, frames = {} }
    rooms[key] = room
    order[#order + 1] = key
  end
  room.size = room.size + 1
end

for _, key in ipairs(order) do
  local room = rooms[key]
  local a = room.item * 7
  local upgraded = false
  local last = redis.pcall('HINCRBY', key, 'seq', room.size)
  if type(last) == 'table' then
    -- Not a hash. A counter from before epochs moves into one; anything else fails below as it did.
    local old = redis.call('GET', key)
    local ttl = redis.call('PTTL', key)
    redis.call('DEL', key)
    redis.call('HSET', key, 'seq', old)
    if ttl > 0 then
      redis.call('PEXPIRE', key, ttl)
    end
    last = redis.call('HINCRBY', key, 'seq', room.size)
    upgraded = true
  end
  room.next = last - room.size + 1
  if (room.next == 1 or upgraded) and redis.call('HEXISTS', key, 'epoch') == 0 then
    local now = redis.call('TIME')
    local epoch = now[1] .. string.format('%06d', tonumber(now[2]))
    redis.call('HSET', key, 'epoch', epoch)
    if room.next == 1 then
      redis.call('DEL', KEYS[room.item * 2 + 2])
    end
    local head = ARGV[a + 1]
    local announcement = string.sub(head, 1, 3) .. '\11\0' .. string.sub(head, 6, 13)
      .. struct.pack('>l', tonumber(epoch)) .. string.sub(head, 22, 29) .. struct.pack('>l', room.next - 1) .. '\0\0\0\0\0\0'
    if ARGV[a + 7] == '1' then
      room.frames[1] = announcement
    else
      redis.call('PUBLISH', ARGV[a + 5], announcement)
    end
  end
end

local out = {}
for i = 0, count - 1 do
  local k = i * 2
  local a = i * 7
  local room = rooms[KEYS[k + 1]]
  local seq = room.next
  room.next = seq + 1
  local frame = ARGV[a + 1] .. struct.pack('>l', seq) .. ARGV[a + 2]
  redis.call('XADD', KEYS[k + 2], 'MAXLEN', ARGV[a + 3], seq .. '-0', 'f', frame, 'n', ARGV[a + 6])
  if ARGV[a + 7] == '1' then
    room.frames[#room.frames + 1] = frame
  else
    redis.call('PUBLISH', ARGV[a + 5], frame)
  end
  out[i + 1] = seq
end

-- After the XADDs: a history stream that did not exist has been created by them.
for _, key in ipairs(order) do
  local room = rooms[key]
  local a = room.item * 7
  redis.call('PEXPIRE', key, ARGV[a + 4])
  redis.call('PEXPIRE', KEYS[room.item * 2 + 2], ARGV[a + 4])
  if #room.frames > 0 then
    redis.call('PUBLISH', ARGV[a + 5], table.concat(room.frames))
  end
end
return out
