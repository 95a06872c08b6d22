-- table-snapshot-save.lua: keeps a table's latest snapshot, never replacing a newer one.
--- @keys snapshot
-- KEYS[1] snapshot hash (fields: seq, model, takenAt)
-- ARGV[1] seq  ARGV[2] model JSON  ARGV[3] taken at (epoch ms)  ARGV[4] key ttl ms
-- Returns: 1 saved, 0 a snapshot at the same or a later seq is already there
local cur = redis.call('HGET', KEYS[1], 'seq')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'model', ARGV[2], 'takenAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
