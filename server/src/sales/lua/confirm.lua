-- confirm.lua: the hold a claim was for is placed: the user is 'holding' (also when the
-- admission lapsed while the hold was in flight: the hold stands). 'done' stays 'done'.
--- @keys q adm st meta units log jseq
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- ARGV[1] userId
-- Returns: 1
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[3], ARGV[1]) ~= 'done' then redis.call('HSET', KEYS[3], ARGV[1], 'holding') end
return 1
