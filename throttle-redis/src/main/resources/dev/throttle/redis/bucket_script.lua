-- The standalone bucket script: the token and leaky buckets of a rate limiter of its own, the engine's hot path. It
-- sets bucket.lua's locals straight from KEYS and ARGV, read positionally, then runs bucket.lua (included below) as
-- its main chunk. Fixed classpath text, never built from values.
--
-- KEYS[1] the theoretical arrival time (tat)
-- KEYS[2] only for a limiter that follows a shared rate (RedisSharedRate): the rate factor
-- ARGV[1] the clock reading in client-time mode (ticker nanoseconds), or '' for the server's clock (TIME, in
--         microseconds since 2026-01-01T00:00:00Z, so every reading stays far below 2^53 and exact in a double); the
--         mode also gives the clock units per millisecond for expiries (10^6 or 10^3)
-- ARGV[2] the permits asked for (0: only read the state, write nothing); when settling, the signed delta
-- ARGV[3] the longest wait the caller accepts for a reserved slot, in clock units
-- ARGV[4] the interval per permit, in clock units
-- ARGV[5] the tolerance (capacity x interval)
-- ARGV[6] the queue's longest delay for a shaping queue, '' for a meter
-- ARGV[7] the least expiry in milliseconds (1, or more when a client clock may run faster than real time)
-- ARGV[8] absent to decide; 'adjust' to settle a grant
-- ARGV[9] when settling, the grant's time: a reserved slot's, as its answer gave it
-- The answer is bucket.lua's. The wait and the least expiry stay text until bucket.lua needs them (a wait only
-- matters when the bucket is short, an expiry only when it writes).

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
local permits = ARGV[2] + 0
local max_wait = ARGV[3]
local interval = ARGV[4] + 0
local tolerance = ARGV[5] + 0
local queue_delay = ARGV[6]
local shaping = queue_delay ~= ''
if shaping then
  queue_delay = queue_delay + 0
end
local least_ms = ARGV[7]
local op = ARGV[8]
local granted_at = ARGV[9]
local dry = false

--#include bucket.lua
