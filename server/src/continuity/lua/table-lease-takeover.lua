-- table-lease-takeover.lua: takes a table's lease from an owner whose process is dead
-- (compare-and-set: only if ARGV[1] still holds it, or nobody does).
--- @keys lease
-- KEYS[1] lease key
-- ARGV[1] the dead owner's id  ARGV[2] new owner id  ARGV[3] ttl ms
-- Returns: 1 taken, 0 someone else holds it now
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] and cur ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
