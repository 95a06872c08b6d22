-- set-quantity.lua: sets a cart line's hold to ARGV[3] units, reserving or releasing
-- only the difference from what the line holds now (0 releases the line). The hold id
-- is derived from {cartKey}:{sku}:{optionsHash}:{noteHash}; its expiry is refreshed.
-- KEYS[1..5]: inv, holds, exp, users, dead of one SKU (see common.lua)
-- ARGV[1] holdId  ARGV[2] userId  ARGV[3] quantity (>= 0)  ARGV[4] ttl ms
-- ARGV[5] per-user limit ('' = the SKU's limit)  ARGV[6] retention ms
-- Returns: expiresAt ms (> 0), or 0 when the line was set to 0; -1 SOLD_OUT,
--          -2 HOLD_LIMIT, -3 line belongs to another user, -6 consumed, -10 not loaded
if redis.call('EXISTS', KEYS[1]) == 0 then return -10 end
local now = now_ms()
local retention = tonumber(ARGV[6])
sweep(now, retention)
local id, user, qty = ARGV[1], ARGV[2], tonumber(ARGV[3])
local cur, created = 0, now
local rec = redis.call('HGET', KEYS[2], id)
if rec then
  local u, q, e, s, c = parse(rec)
  if u ~= user then return -3 end
  if s == 'consumed' then return -6 end
  if s == 'active' then
    cur, created = q, c
    if qty == 0 then
      retire(id, user, q, e, 'released', c, now, retention)
      give_back(q)
      return 0
    end
  end
end
if qty == 0 then return 0 end
local diff = qty - cur
if diff > 0 then
  local inv = redis.call('HMGET', KEYS[1], 'avail', 'limit')
  if tonumber(inv[1]) < diff then return -1 end
  local limit = tonumber(ARGV[5]) or tonumber(inv[2])
  local mine = tonumber(redis.call('HGET', KEYS[4], user) or '0')
  if mine + diff > limit then return -2 end
end
local exp = now + tonumber(ARGV[4])
redis.call('HINCRBY', KEYS[1], 'avail', -diff)
redis.call('HINCRBY', KEYS[1], 'held', diff)
redis.call('HINCRBY', KEYS[4], user, diff)
redis.call('HSET', KEYS[2], id, fmt(user, qty, exp, 'active', created))
redis.call('ZADD', KEYS[3], exp, id)
redis.call('ZREM', KEYS[5], id)
return exp
