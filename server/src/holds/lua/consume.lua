-- consume.lua: turns a user's active holds of one SKU into order stock, all or none.
-- The units leave `held` and do not return to `avail` (they belong to the order now).
-- They stay counted against a buyer until the order is paid, cancelled or expires
-- (settle.lua): the order's buyer (ARGV[3]) takes them over from the holds' buyers, so
-- per-buyer limits count units in pending orders as well as holds and cart lines.
--- @keys inv holds exp users dead
-- KEYS[1..5]: inv, holds, exp, users, dead of one SKU (see common.lua)
-- ARGV[1] owner userId  ARGV[2] retention ms  ARGV[3] order buyer  ARGV[4..n] holdIds
-- Returns: {1, qty1, qty2, ...} in ARGV order; or {code, index}: -3 not found / another
--          user's / released, -4 expired, -6 already consumed, -10 not loaded (index 0)
if redis.call('EXISTS', KEYS[1]) == 0 then return {-10, 0} end
local now = now_ms()
local retention = tonumber(ARGV[2])
local orderBuyer = ARGV[3]
sweep(now, retention)
local recs = {}
for i = 4, #ARGV do
  local rec = redis.call('HGET', KEYS[2], ARGV[i])
  if not rec then return {-3, i - 3} end
  local user, qty, exp, status, created, buyer = parse(rec)
  if user ~= ARGV[1] then return {-3, i - 3} end
  if status == 'consumed' then return {-6, i - 3} end
  if status == 'expired' or (status == 'active' and exp <= now) then return {-4, i - 3} end
  if status ~= 'active' then return {-3, i - 3} end
  recs[#recs + 1] = {ARGV[i], user, qty, exp, created, buyer}
end
local out = {1}
for _, r in ipairs(recs) do
  local id, user, qty, exp, created, buyer = r[1], r[2], r[3], r[4], r[5], r[6]
  redis.call('HSET', KEYS[2], id, fmt(user, qty, exp, 'consumed', created, orderBuyer))
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZADD', KEYS[5], now + retention, id)
  redis.call('HINCRBY', KEYS[1], 'held', -qty)
  if buyer ~= orderBuyer then
    count(buyer, -qty)
    count(orderBuyer, qty)
  end
  out[#out + 1] = qty
end
return out
