-- unclaim.lua: compensation for claim.lua when the hold itself failed (sold out, say):
-- the units are uncounted; the user's admission is untouched (it may still hold).
--- @keys q adm st meta units log jseq
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- ARGV[1] userId  ARGV[2] quantity
-- Returns: 1
if redis.call('HINCRBY', KEYS[5], ARGV[1], -tonumber(ARGV[2])) <= 0 then redis.call('HDEL', KEYS[5], ARGV[1]) end
return 1
