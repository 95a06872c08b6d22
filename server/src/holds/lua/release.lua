-- release.lua: ends an active hold and returns its units (idempotent).
--- @keys inv holds exp users dead
-- KEYS[1..5]: inv, holds, exp, users, dead of one SKU (see common.lua)
-- ARGV[1] holdId  ARGV[2] owner userId ('' = any owner, for admins)  ARGV[3] retention ms
-- Returns: 1 released now; 0 already released or expired; -3 not found (or another
--          user's); -6 consumed by an order; -10 not loaded
if redis.call('EXISTS', KEYS[1]) == 0 then return -10 end
local now = now_ms()
local retention = tonumber(ARGV[3])
sweep(now, retention)
local rec = redis.call('HGET', KEYS[2], ARGV[1])
if not rec then return -3 end
local user, qty, exp, status, created, buyer = parse(rec)
if ARGV[2] ~= '' and user ~= ARGV[2] then return -3 end
if status == 'consumed' then return -6 end
if status ~= 'active' then return 0 end
retire(ARGV[1], user, qty, exp, 'released', created, now, retention, buyer)
give_back(qty)
return 1
