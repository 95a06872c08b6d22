-- common.lua: helpers prepended to every queue script by the loader (not a script itself).
--
-- Every queue script gets the same seven keys of one sale (one hash tag {sale:ID}, so one
-- Redis Cluster slot):
--   KEYS[1] q     zset  waiting userId -> order score (the join number; permuted once at
--                       start when the pre-queue is shuffled)
--   KEYS[2] adm   zset  admitted userId -> admission deadline (epoch ms)
--   KEYS[3] st    hash  userId -> 'holding' | 'done' | 'lapsed' (after admission)
--   KEYS[4] meta  hash  seq (join numbers handed out), started (1 once started),
--                       admitted (admissions so far), lapsed (lapses so far)
--   KEYS[5] units hash  userId -> units held through this sale (the per-sale limit)
--   KEYS[6] log   list  "userId|joinSeq" in admission order (fairness audits)
--   KEYS[7] jseq  hash  userId -> join number (kept after the user leaves the line)
-- Entry states returned by join and lookup (the `state` of an entry):
--   0 none  1 waiting  2 admitted  3 holding  4 done  5 lapsed
-- Each script declares its keys in a `--- @keys` line, which the loader
-- (redis/scripts.ts) reads as the key count.
-- Return codes, named in redis/script-codes.ts (QUEUE_CODES) and mapped to AppError by
-- queueCodeError in sale-queue-store.ts:
--   -1 NOT_ADMITTED  -2 HOLD_LIMIT

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local STATE_OF = { holding = 3, done = 4, lapsed = 5 }

-- {state, position, admittedUntil, order} of one user; order is the user's score in
-- KEYS[1] while waiting (0 otherwise), from which rooms work positions out themselves.
local function entry(user)
  local rank = redis.call('ZRANK', KEYS[1], user)
  if rank then return 1, rank + 1, 0, tonumber(redis.call('ZSCORE', KEYS[1], user)) end
  local deadline = redis.call('ZSCORE', KEYS[2], user)
  if deadline then return 2, 0, tonumber(deadline), 0 end
  local s = redis.call('HGET', KEYS[3], user)
  if s then return STATE_OF[s] or 0, 0, 0, 0 end
  return 0, 0, 0, 0
end

-- The score of the head of the line (0 when nobody waits).
local function head_order()
  local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if head[2] then return tonumber(head[2]) end
  return 0
end
