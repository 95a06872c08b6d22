-- lapse.lua: admitted users whose deadline passed without a hold lose the admission
-- (state 'lapsed'); the admitter then admits the next in line. At most 1000 per call.
--- @keys q adm st meta units log jseq
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- (no ARGV)
-- Returns: the userIds lapsed now
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now_ms(), 'LIMIT', 0, 1000)
for _, user in ipairs(due) do
  redis.call('ZREM', KEYS[2], user)
  redis.call('HSET', KEYS[3], user, 'lapsed')
end
if #due > 0 then redis.call('HINCRBY', KEYS[4], 'lapsed', #due) end
return due
