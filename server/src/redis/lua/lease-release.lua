-- lease-release.lua: gives a lease up, only if ARGV[1] still holds it.
--- @keys lease
-- KEYS[1] lease key
-- ARGV[1] owner id
-- Returns: 1 released, 0 not held by ARGV[1]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
