-- mark-done.lua: a holding user made an order: 'holding' -> 'done'.
--- @keys q adm st meta units log jseq
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- ARGV[1] userId
-- Returns: 1 changed, 0 not holding
if redis.call('HGET', KEYS[3], ARGV[1]) == 'holding' then
  redis.call('HSET', KEYS[3], ARGV[1], 'done')
  return 1
end
return 0
