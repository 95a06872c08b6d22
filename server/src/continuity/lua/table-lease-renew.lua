-- table-lease-renew.lua: extends a table's lease, only while ARGV[1] still holds it.
-- (An expired lease is NOT re-taken: another room may have hosted the table meanwhile.)
--- @keys lease
-- KEYS[1] lease key
-- ARGV[1] owner id  ARGV[2] ttl ms
-- Returns: 1 renewed, 0 lost (expired or held by another owner)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
