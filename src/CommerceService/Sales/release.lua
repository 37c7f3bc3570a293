-- Returns an expired order's units to its sale, once per order however often it is called (the returned set
-- remembers the orders given back), so a sweeper that crashed after the call can simply call again.
-- KEYS: sale hash, bought hash, returned set; ARGV: seq, user, quantity.
-- Returns the stock after the return, -1 when this order was returned before, -2 when the sale's state is gone.

local expires = redis.call('HGET', KEYS[1], 'expires')
if not expires then
  return -2
end
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then
  return -1
end
redis.call('PEXPIREAT', KEYS[3], expires)
redis.call('HINCRBY', KEYS[2], ARGV[2], -tonumber(ARGV[3]))
return redis.call('HINCRBY', KEYS[1], 'stock', tonumber(ARGV[3]))
