-- table-log-append.lua: appends a table's events to its hot log, fenced by its lease.
--- @keys log lease
-- KEYS[1] the table's stream (hf:tbl:{ID}:log)
-- KEYS[2] the table's lease (hf:tbl:{ID}:lease)
-- ARGV[1] owner id that must hold the lease, or "" for no fence
-- ARGV[2] MAXLEN (events kept)   ARGV[3] "~" or "=" (approximate or exact trimming)
-- ARGV[4] key ttl ms
-- ARGV[5], ARGV[6], ... pairs: seq, event JSON (in seq order)
-- Returns: 1 appended; codes named in redis/script-codes.ts (LOG_APPEND_CODES):
--   -1 LEASE_LOST (the lease is not held by ARGV[1])
--   -2 SEQ_TAKEN (the first seq is not after the stream's last entry: another writer got
--      there first; nothing written)
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  local lastSeq = tonumber(string.match(last[1][1], '^(%d+)'))
  if tonumber(ARGV[5]) <= lastSeq then
    return -2
  end
end
for i = 5, #ARGV, 2 do
  redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], ARGV[2], ARGV[i] .. '-0', 'e', ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
