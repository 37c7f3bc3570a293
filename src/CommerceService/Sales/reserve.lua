-- Decides a batch of purchases, one after another in arrival order, each in one atomic step: nothing can run
-- between a purchase's checks and its writes, so two buyers cannot both take the last unit and one buyer cannot
-- pass the limit from two connections (ADR 0010).
-- Per item, 3 KEYS: sale hash, bought hash (user -> units), keys hash ("user|key" -> "seq:quantity");
-- 4 ARGV: user, quantity, "user|key", now (ms). Returns 6 values per item:
-- code, seq (for over-limit: units already bought), stock left, room, unit price, per-user limit.
-- Codes: 0 reserved, 1 replay of an earlier purchase, 2 no such sale, 3 not started, 4 ended, 5 cancelled,
-- 6 not enough stock, 7 over the limit, 8 key used before with another quantity.

local out = {}
local n = 0
for i = 0, #KEYS / 3 - 1 do
  local k = i * 3
  local a = i * 4
  local sale = redis.call('HMGET', KEYS[k + 1], 'stock', 'limit', 'starts', 'ends', 'state', 'room', 'price', 'expires')
  local code, seq, left, room, price, limit = 2, 0, 0, 0, 0, 0
  if sale[1] then
    left = tonumber(sale[1])
    limit = tonumber(sale[2])
    room = tonumber(sale[6])
    price = tonumber(sale[7])
    local quantity = tonumber(ARGV[a + 2])
    local now = tonumber(ARGV[a + 4])
    -- The key first: a retry is answered as the first attempt was, even after the sale closed.
    local earlier = redis.call('HGET', KEYS[k + 3], ARGV[a + 3])
    if earlier then
      local colon = string.find(earlier, ':', 1, true)
      seq = tonumber(string.sub(earlier, 1, colon - 1))
      if tonumber(string.sub(earlier, colon + 1)) == quantity then code = 1 else code = 8 end
    elseif sale[5] == 'cancelled' then
      code = 5
    elseif now < tonumber(sale[3]) then
      code = 3
    elseif now >= tonumber(sale[4]) then
      code = 4
    elseif left < quantity then
      code = 6
    else
      local bought = tonumber(redis.call('HGET', KEYS[k + 2], ARGV[a + 1]) or '0')
      if bought + quantity > limit then
        code = 7
        seq = bought
      else
        code = 0
        left = redis.call('HINCRBY', KEYS[k + 1], 'stock', -quantity)
        seq = redis.call('HINCRBY', KEYS[k + 1], 'seq', 1)
        redis.call('HINCRBY', KEYS[k + 2], ARGV[a + 1], quantity)
        redis.call('HSET', KEYS[k + 3], ARGV[a + 3], seq .. ':' .. quantity)
        if seq == 1 then
          -- The first reservation made these two hashes: they expire with the sale's hash.
          redis.call('PEXPIREAT', KEYS[k + 2], sale[8])
          redis.call('PEXPIREAT', KEYS[k + 3], sale[8])
        end
      end
    end
  end
  out[n + 1] = code
  out[n + 2] = seq
  out[n + 3] = left
  out[n + 4] = room
  out[n + 5] = price
  out[n + 6] = limit
  n = n + 6
end
return out
