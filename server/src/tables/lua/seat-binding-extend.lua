-- seat-binding-extend.lua: extends a seat's binding only while it still holds the given
-- token: compare-and-extend in one step, so a stale token can never extend a new binding.
--- @keys binding
-- KEYS[1] the seat binding (hf:seat:{tableId}:N, JSON {userId, tokenId, ...})
-- ARGV[1] token id  ARGV[2] ttl ms
-- Returns: 1 extended, 0 the binding is gone or holds another token
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, binding = pcall(cjson.decode, raw)
if not ok or binding.tokenId ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
