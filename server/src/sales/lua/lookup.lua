-- lookup.lua: the entries of many users in one call (a room's tick), and the line's stats.
--- @keys q adm st meta units log jseq
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- ARGV[1..n] userIds
-- With no users it is O(1): the line-wide numbers rooms tick on (a room keeps each
-- client's order and works the position out from the head's order).
-- Returns: {length, admitted so far, admitted and not yet holding, started (0|1), now ms,
--           head order, then state, position, admittedUntil, order for each user in
--           ARGV order}
local meta = redis.call('HMGET', KEYS[4], 'admitted', 'started')
local out = {redis.call('ZCARD', KEYS[1]), tonumber(meta[1] or '0'), redis.call('ZCARD', KEYS[2]),
  tonumber(meta[2] or '0'), now_ms(), head_order()}
for i = 1, #ARGV do
  local state, position, deadline, order = entry(ARGV[i])
  out[#out + 1] = state
  out[#out + 1] = position
  out[#out + 1] = deadline
  out[#out + 1] = order
end
return out
