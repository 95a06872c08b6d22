-- leave.lua: gives a user's place up (waiting or admitted), or forgets a finished entry.
-- The units held through the sale stay counted (the per-sale limit survives a rejoin).
--- @keys q adm st meta units log jseq
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- ARGV[1] userId
-- Returns: 1 when the user had an entry, 0 otherwise
local user = ARGV[1]
local n = redis.call('ZREM', KEYS[1], user) + redis.call('ZREM', KEYS[2], user) + redis.call('HDEL', KEYS[3], user)
if n > 0 then return 1 end
return 0
