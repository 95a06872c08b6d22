-- join.lua: puts a user in line, idempotently. A user already waiting keeps the place
-- (a refresh, a reconnect, a second tab); an admitted, holding, done or lapsed user
-- gets that entry back and no new place. Only `leave` gives a place up.
--- @keys q adm st meta units log jseq
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- ARGV[1] userId
-- Returns: {state, position, admittedUntil, created (1 when placed now), order}
local user = ARGV[1]
local state, position, deadline, order = entry(user)
if state ~= 0 then return {state, position, deadline, 0, order} end
local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
redis.call('ZADD', KEYS[1], seq, user)
redis.call('HSET', KEYS[7], user, seq)
return {1, redis.call('ZRANK', KEYS[1], user) + 1, 0, 1, seq}
