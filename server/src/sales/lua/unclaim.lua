-- unclaim.lua: compensation for claim.lua when the hold itself failed (sold out, say):
-- the units are uncounted and a user that claim moved from admitted to holding is
-- admitted again with the original deadline.
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- ARGV[1] userId  ARGV[2] quantity  ARGV[3] previous admittedUntil (0 = was holding)
-- Returns: 1
local user, qty, prev = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('HINCRBY', KEYS[5], user, -qty) <= 0 then redis.call('HDEL', KEYS[5], user) end
if prev > 0 and redis.call('HGET', KEYS[3], user) == 'holding' then
  redis.call('HDEL', KEYS[3], user)
  redis.call('ZADD', KEYS[2], prev, user)
end
return 1
