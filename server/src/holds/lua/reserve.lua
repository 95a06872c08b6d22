-- reserve.lua: places a new hold of ARGV[3] units for a user, if stock and the user's
-- limit allow. Expires due holds of the SKU first.
--- @keys inv holds exp users dead
-- KEYS[1..5]: inv, holds, exp, users, dead of one SKU (see common.lua)
-- ARGV[1] holdId  ARGV[2] userId  ARGV[3] quantity  ARGV[4] ttl ms
-- ARGV[5] per-user limit ('' = the SKU's limit)  ARGV[6] retention ms of finished records
-- Returns: expiresAt ms (> 0) on success; -1 SOLD_OUT, -2 HOLD_LIMIT, -5 duplicate id,
--          -10 not loaded
if redis.call('EXISTS', KEYS[1]) == 0 then return -10 end
local now = now_ms()
sweep(now, tonumber(ARGV[6]))
local id, user, qty = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('HEXISTS', KEYS[2], id) == 1 then return -5 end
local inv = redis.call('HMGET', KEYS[1], 'avail', 'limit')
if tonumber(inv[1]) < qty then return -1 end
local limit = tonumber(ARGV[5]) or tonumber(inv[2])
local mine = tonumber(redis.call('HGET', KEYS[4], user) or '0')
if mine + qty > limit then return -2 end
local exp = now + tonumber(ARGV[4])
redis.call('HINCRBY', KEYS[1], 'avail', -qty)
redis.call('HINCRBY', KEYS[1], 'held', qty)
count(user, qty)
redis.call('HSET', KEYS[2], id, fmt(user, qty, exp, 'active', now))
redis.call('ZADD', KEYS[3], exp, id)
return exp
