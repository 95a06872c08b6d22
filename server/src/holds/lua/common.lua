-- common.lua: helpers prepended to every hold script by the loader (not a script itself).
--
-- Every hold script gets the same five keys of one SKU (one hash tag {sku:ID}, so one
-- Redis Cluster slot):
--   KEYS[1] inv   hash   total, avail, held, limit (missing = counters not loaded)
--   KEYS[2] holds hash   holdId -> "user|qty|expiresAtMs|status|createdAtMs[|buyer]"
--                       (buyer: whose limit a cart line counts against; absent = user)
--   KEYS[3] exp   zset   active holdId -> expiresAtMs
--   KEYS[4] users hash   buyer -> units counted against that buyer now: active holds,
--                       cart lines and units in pending orders (the per-buyer limit
--                       is checked on it; settle.lua uncounts an order when it ends)
--   KEYS[5] dead  zset   finished holdId -> purge time (records kept for status reads)
-- Each script declares its keys in a `--- @keys` line, which the loader
-- (redis/scripts.ts) reads as the key count.
-- Return codes shared by the scripts, named in redis/script-codes.ts (HOLD_CODES) and
-- mapped to AppError by holdCodeError in hold-store.ts:
--   -1 SOLD_OUT  -2 HOLD_LIMIT  -3 HOLD_NOT_FOUND  -4 HOLD_EXPIRED
--   -5 DUPLICATE_HOLD_ID  -6 ALREADY_CONSUMED
--   -10 NOT_LOADED (counters not loaded: rebuild from Postgres, retry)

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Returns user, qty, exp, status, created, buyer (buyer = user when the record has none).
local function parse(rec)
  local user, qty, exp, status, created, buyer = string.match(rec, '^([^|]*)|(%d+)|(%d+)|(%a+)|(%d+)|?([^|]*)$')
  if buyer == nil or buyer == '' then buyer = user end
  return user, tonumber(qty), tonumber(exp), status, tonumber(created), buyer
end

local function fmt(user, qty, exp, status, created, buyer)
  local rec = user .. '|' .. qty .. '|' .. exp .. '|' .. status .. '|' .. created
  if buyer and buyer ~= user then rec = rec .. '|' .. buyer end
  return rec
end

-- Adds `qty` (may be negative) to the units counted against `buyer`.
local function count(buyer, qty)
  if qty ~= 0 and redis.call('HINCRBY', KEYS[4], buyer, qty) <= 0 then redis.call('HDEL', KEYS[4], buyer) end
end

-- Ends an active hold (released, expired or consumed): off the expiry index and the
-- buyer's count; the record stays readable until `now + retention`.
local function retire(id, user, qty, exp, status, created, now, retention, buyer)
  redis.call('HSET', KEYS[2], id, fmt(user, qty, exp, status, created, buyer))
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZADD', KEYS[5], now + retention, id)
  count(buyer or user, -qty)
  redis.call('HINCRBY', KEYS[1], 'held', -qty)
end

-- Returns units to `avail`, capped so that avail + held never exceeds total (a stale
-- double return after a rebuild cannot create stock).
local function give_back(qty)
  local inv = redis.call('HMGET', KEYS[1], 'total', 'held', 'avail')
  local cap = tonumber(inv[1]) - tonumber(inv[2])
  local avail = tonumber(inv[3]) + qty
  if avail > cap then avail = cap end
  redis.call('HSET', KEYS[1], 'avail', avail)
  return avail
end

-- Expires due holds and purges old finished records, at most 100 of each per call.
local function sweep(now, retention)
  local n = 0
  local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(due) do
    local rec = redis.call('HGET', KEYS[2], id)
    local user, qty, exp, status, created, buyer
    if rec then user, qty, exp, status, created, buyer = parse(rec) end
    if status == 'active' then
      retire(id, user, qty, exp, 'expired', created, now, retention, buyer)
      give_back(qty)
      n = n + 1
    else
      redis.call('ZREM', KEYS[3], id)
    end
  end
  local old = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now, 'LIMIT', 0, 100)
  for _, id in ipairs(old) do
    redis.call('HDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[5], id)
  end
  return n
end
