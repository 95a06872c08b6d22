-- settle.lua: an order left `pending` (paid, cancelled or expired): its units of this
-- SKU stop counting against its buyer's per-buyer limit (consume.lua put them there).
-- Postgres decides "exactly once" (only the transaction that moved the order out of
-- pending calls this). Stock itself returns through restock.lua.
--- @keys inv holds exp users dead
-- KEYS[1..5]: inv, holds, exp, users, dead of one SKU (see common.lua)
-- ARGV[1] buyer  ARGV[2] quantity
-- Returns: 1; -10 not loaded (nothing to do: the rebuild starts the counts afresh)
if redis.call('EXISTS', KEYS[1]) == 0 then return -10 end
count(ARGV[1], -tonumber(ARGV[2]))
return 1
