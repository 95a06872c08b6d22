-- unconsume.lua: compensation. Puts consumed holds back to active (with their original
-- expiry) when the order that consumed them could not be recorded in Postgres. Their
-- units stay counted against the buyer consume.lua gave them to (the would-be buyer).
--- @keys inv holds exp users dead
-- KEYS[1..5]: inv, holds, exp, users, dead of one SKU (see common.lua)
-- ARGV[1] userId  ARGV[2..n] holdIds
-- Returns: number of holds restored; -10 not loaded
if redis.call('EXISTS', KEYS[1]) == 0 then return -10 end
local n = 0
for i = 2, #ARGV do
  local rec = redis.call('HGET', KEYS[2], ARGV[i])
  if rec then
    local user, qty, exp, status, created, buyer = parse(rec)
    if user == ARGV[1] and status == 'consumed' then
      redis.call('HSET', KEYS[2], ARGV[i], fmt(user, qty, exp, 'active', created, buyer))
      redis.call('ZADD', KEYS[3], exp, ARGV[i])
      redis.call('ZREM', KEYS[5], ARGV[i])
      redis.call('HINCRBY', KEYS[1], 'held', qty)
      n = n + 1
    end
  end
end
return n
