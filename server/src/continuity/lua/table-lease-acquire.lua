-- table-lease-acquire.lua: takes a table's lease when nobody holds it (SET NX PX).
--- @keys lease
-- KEYS[1] lease key
-- ARGV[1] owner id (processId/roomId)  ARGV[2] ttl ms
-- Returns: "" when ARGV[1] holds it now (taken, or already held), else the holder's id
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return ''
end
if cur then return cur end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ''
