-- set-quantity.lua: sets a cart line's hold to ARGV[3] units, reserving or releasing
-- only the difference from what the line holds now (0 releases the line). The hold id
-- is derived from {cartKey}:{sku}:{optionsHash}:{noteHash}; its expiry is refreshed.
-- The line is owned by the cart (ARGV[2]) and counted against a buyer (ARGV[7]): the
-- diner who raises a line takes all its units on their own limit; a line lowered by
-- someone stays counted against the buyer it had.
--- @keys inv holds exp users dead
-- KEYS[1..5]: inv, holds, exp, users, dead of one SKU (see common.lua)
-- ARGV[1] holdId  ARGV[2] owner (cart) id  ARGV[3] quantity (>= 0)  ARGV[4] ttl ms
-- ARGV[5] per-buyer limit ('' = the SKU's limit)  ARGV[6] retention ms  ARGV[7] buyer
-- Returns: expiresAt ms (> 0), or 0 when the line was set to 0; -1 SOLD_OUT,
--          -2 HOLD_LIMIT, -3 line belongs to another owner, -6 consumed, -10 not loaded
if redis.call('EXISTS', KEYS[1]) == 0 then return -10 end
local now = now_ms()
local retention = tonumber(ARGV[6])
sweep(now, retention)
local id, user, qty, buyer = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[7]
local cur, created, was = 0, now, nil
local rec = redis.call('HGET', KEYS[2], id)
if rec then
  local u, q, e, s, c, b = parse(rec)
  if u ~= user then return -3 end
  if s == 'consumed' then return -6 end
  if s == 'active' then
    cur, created, was = q, c, b
    if qty == 0 then
      retire(id, user, q, e, 'released', c, now, retention, b)
      give_back(q)
      return 0
    end
  end
end
if qty == 0 then return 0 end
local diff = qty - cur
-- Lowered: the line keeps its buyer. Raised: the raiser takes the whole line.
local counted = buyer
if diff <= 0 and was then counted = was end
if diff > 0 then
  local inv = redis.call('HMGET', KEYS[1], 'avail', 'limit')
  if tonumber(inv[1]) < diff then return -1 end
  local limit = tonumber(ARGV[5]) or tonumber(inv[2])
  local mine = tonumber(redis.call('HGET', KEYS[4], buyer) or '0')
  local adding = diff
  if was and was ~= buyer then adding = qty end
  if mine + adding > limit then return -2 end
end
local exp = now + tonumber(ARGV[4])
redis.call('HINCRBY', KEYS[1], 'avail', -diff)
redis.call('HINCRBY', KEYS[1], 'held', diff)
if was and was ~= counted then
  count(was, -cur)
  count(counted, qty)
else
  count(counted, diff)
end
redis.call('HSET', KEYS[2], id, fmt(user, qty, exp, 'active', created, counted))
redis.call('ZADD', KEYS[3], exp, id)
redis.call('ZREM', KEYS[5], id)
return exp
