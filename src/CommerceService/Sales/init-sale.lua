-- Puts a sale into Redis unless it is there already. ScheduleSale loads it with its whole stock; every sweep
-- loads it again until it ends, with the stock MySQL's orders leave and their highest seq, so a lost write or a
-- flushed Redis is repaired without touching a sale that is there (reservations still in Kafka are the window
-- such a repair cannot see; the reconciliation reports them).
-- KEYS: sale hash; ARGV: stock, limit, starts (ms), ends (ms), state, room, unit price, expires (ms), seq.
-- Returns 1 when it wrote the sale, 0 when it was there.

if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'stock', ARGV[1], 'limit', ARGV[2], 'starts', ARGV[3], 'ends', ARGV[4],
  'state', ARGV[5], 'room', ARGV[6], 'price', ARGV[7], 'expires', ARGV[8], 'seq', ARGV[9])
redis.call('PEXPIREAT', KEYS[1], ARGV[8])
return 1
