-- set-stock.lua: sets the SKU's total, or (re)builds its counters from Postgres.
-- When loaded and ARGV[4] = 'set': avail moves by the change of total (a delta, so holds
-- being consumed meanwhile are not double counted). When not loaded (first use, or Redis
-- lost its data): avail = total - committed - units in still-active holds.
-- ARGV[4] = 'load' only builds missing counters and leaves loaded ones alone.
--- @keys inv holds exp users dead
-- KEYS[1..5]: inv, holds, exp, users, dead of one SKU (see common.lua)
-- ARGV[1] total  ARGV[2] committed (sold + units in pending orders)  ARGV[3] per-user limit
-- ARGV[4] 'set' | 'load'
-- Returns: 1 updated, 2 built from scratch, 0 already loaded ('load')
local total, committed = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = now_ms()
if redis.call('EXISTS', KEYS[1]) == 1 then
  if ARGV[4] == 'load' then return 0 end
  local old = tonumber(redis.call('HGET', KEYS[1], 'total'))
  redis.call('HINCRBY', KEYS[1], 'avail', total - old)
  redis.call('HSET', KEYS[1], 'total', total, 'limit', ARGV[3])
  return 1
end
local held = 0
local live = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. now, '+inf')
for _, id in ipairs(live) do
  local rec = redis.call('HGET', KEYS[2], id)
  if rec then
    local _, qty, _, status = parse(rec)
    if status == 'active' then held = held + qty end
  end
end
redis.call('HSET', KEYS[1], 'total', total, 'avail', total - committed - held, 'held', held, 'limit', ARGV[3])
return 2
