-- restock.lua: returns the units of a cancelled or expired order to `avail`.
-- Postgres decides "exactly once" (only the transaction that moved the order out of
-- pending calls this); when the counters are not loaded nothing is done, because the
-- rebuild computes `avail` from Postgres, which already has the order's new status.
--- @keys inv holds exp users dead
-- KEYS[1..5]: inv, holds, exp, users, dead of one SKU (see common.lua)
-- ARGV[1] quantity
-- Returns: avail after the return; -10 not loaded
if redis.call('EXISTS', KEYS[1]) == 0 then return -10 end
return give_back(tonumber(ARGV[1]))
