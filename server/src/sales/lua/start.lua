-- start.lua: starts the sale's line, once. With ARGV[1] = 'random' the pre-queue (every
-- user waiting now, all of whom joined before the start) is shuffled: a Fisher-Yates
-- permutation of the members over the same set of scores, so later joins still come
-- after every pre-queued user. With 'fifo' the order is kept. Atomic, and a no-op when
-- the line has started already, so any node may call it.
--- @keys q adm st meta units log jseq
-- KEYS[1..7]: q, adm, st, meta, units, log, jseq of one sale (see common.lua)
-- ARGV[1] 'random' | 'fifo'  ARGV[2] random seed (an integer chosen by the caller)
-- Returns: number of pre-queued users when started now; -1 ALREADY_STARTED
--          (START_CODES in redis/script-codes.ts)
if redis.call('HSETNX', KEYS[4], 'started', 1) == 0 then return -1 end
local flat = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local n = #flat / 2
if ARGV[1] == 'random' and n > 1 then
  math.randomseed(tonumber(ARGV[2]))
  local members, scores = {}, {}
  for i = 1, n do
    members[i] = flat[2 * i - 1]
    scores[i] = flat[2 * i]
  end
  for i = n, 2, -1 do
    local j = math.random(i)
    members[i], members[j] = members[j], members[i]
  end
  for i = 1, n do redis.call('ZADD', KEYS[1], scores[i], members[i]) end
end
return n
