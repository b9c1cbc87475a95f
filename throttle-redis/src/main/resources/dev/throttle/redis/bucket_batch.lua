-- The batch bucket script: several requests to one token or leaky bucket, coalesced by the client, decided in one
-- call in their arrival order, each exactly as bucket_script.lua would decide it alone at the same clock reading
-- (one TIME for the whole batch). The state is read once, carried from one request to the next in a local, and
-- written once at the end (the tat and expiry the last grant would have written alone); a refusal writes nothing, as
-- alone. Each decision is bucket_step.lua, the text bucket.lua decides with. Fixed classpath text, never built from
-- values.
--
-- KEYS as bucket_script.lua's. ARGV[1] and ARGV[4...7] as bucket_script.lua's; ARGV[2] the number n of requests
-- (at most a few hundred, so one call stays short); ARGV[3] unused; then the requests in arrival order, in runs of
-- requests alike: each run is three values, how many requests, their permits (at least 1) and the longest wait they
-- accept for a reserved slot, in clock units (so a burst of single permits is one run, however long).
-- Answer: a flat array, per request in arrival order either one integer, the remaining permits of an immediate
-- grant (0 or more, as bucket_script.lua's short answer), or three, {-1 for a refusal or -2 for a reserved slot,
-- the retry time or the wait, remaining}.

local bucket_key = KEYS[1]
local rate_key = KEYS[2]
local now = ARGV[1]
local per_ms
if now == '' then
  local t = redis.call('TIME')
  now = (t[1] - 1767225600) * 1000000 + t[2]
  per_ms = 1000
else
  now = now + 0
  per_ms = 1000000
end
local interval = ARGV[4] + 0
local tolerance = ARGV[5] + 0
local queue_delay = ARGV[6]
local shaping = queue_delay ~= ''
if shaping then
  queue_delay = queue_delay + 0
end
local least_ms = ARGV[7]
local least = least_ms + 0
local floor = math.floor
local pack_double, unpack_double, byte = struct.pack, struct.unpack, string.byte

--#include bucket_rate.lua

local tat = redis.call('GET', bucket_key)
--#include bucket_tat.lua
local state = tat

local answer = {}
local size = 0
local written = false
local waits_until
local src = ARGV
local a = 8
while a <= #ARGV do
--#include bucket_runs_step.lua
end

--#include bucket_runs_write.lua
return answer
