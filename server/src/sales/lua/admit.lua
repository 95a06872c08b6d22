-- admit.lua: admits up to ARGV[1] users from the head of the line, each until now + ttl.
-- Does nothing before the line has started (start.lua).
--- @keys q adm st meta units log jseq
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- ARGV[1] how many  ARGV[2] admission ttl ms
-- Returns: {admittedUntil, userId1, userId2, ...} in admission order
if redis.call('HGET', KEYS[4], 'started') ~= '1' then return {0} end
local deadline = now_ms() + tonumber(ARGV[2])
local out = {deadline}
local n = tonumber(ARGV[1])
if n <= 0 then return out end
local popped = redis.call('ZPOPMIN', KEYS[1], n)
for i = 1, #popped, 2 do
  local user = popped[i]
  redis.call('ZADD', KEYS[2], deadline, user)
  redis.call('RPUSH', KEYS[6], user .. '|' .. (redis.call('HGET', KEYS[7], user) or '0'))
  out[#out + 1] = user
end
redis.call('HINCRBY', KEYS[4], 'admitted', #out - 1)
return out
