-- claim.lua: before a hold in a sale: the user must be admitted (deadline not passed) or
-- already holding/done through this sale, and stay within the per-sale limit. Counts the
-- units. The user stays admitted until confirm.lua (after the hold was placed), so the
-- `stock` admitter, which counts admitted-not-yet-holding users against unheld units,
-- never sees a unit as free while a hold for it is in flight. unclaim.lua undoes it when
-- the hold fails.
--- @keys q adm st meta units log jseq
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- ARGV[1] userId  ARGV[2] quantity  ARGV[3] per-sale limit
-- Returns: 1; -1 NOT_ADMITTED (an admission past its deadline is lapsed on the spot);
--          -2 HOLD_LIMIT
local user, qty, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local deadline = redis.call('ZSCORE', KEYS[2], user)
if deadline then
  if tonumber(deadline) <= now_ms() then
    redis.call('ZREM', KEYS[2], user)
    redis.call('HSET', KEYS[3], user, 'lapsed')
    redis.call('HINCRBY', KEYS[4], 'lapsed', 1)
    return -1
  end
else
  local s = redis.call('HGET', KEYS[3], user)
  if s ~= 'holding' and s ~= 'done' then return -1 end
end
local units = tonumber(redis.call('HGET', KEYS[5], user) or '0')
if units + qty > limit then return -2 end
redis.call('HINCRBY', KEYS[5], user, qty)
return 1
