-- sweep.lua: expires due holds of one SKU (returning their units) and reads counters.
--- @keys inv holds exp users dead
-- KEYS[1..5]: inv, holds, exp, users, dead of one SKU (see common.lua)
-- ARGV[1] retention ms
-- Returns: {swept, total, avail, held}; {-10} when not loaded
if redis.call('EXISTS', KEYS[1]) == 0 then return {-10} end
local n = sweep(now_ms(), tonumber(ARGV[1]))
local inv = redis.call('HMGET', KEYS[1], 'total', 'avail', 'held')
return {n, tonumber(inv[1]), tonumber(inv[2]), tonumber(inv[3])}
