-- Shared prologue of every throttle script (prepended when the script is loaded; fixed classpath text, never
-- built from values: all values arrive in KEYS and ARGV).
--
-- ARGV[1] the clock reading in client-time mode (ticker nanoseconds), or '' for the server's clock (TIME, in
--         microseconds since 2026-01-01T00:00:00Z, so every reading stays far below 2^53 and exact in a double)
-- ARGV[2] clock units per millisecond (1000000 for nanoseconds, 1000 for microseconds), for PEXPIRE
-- ARGV[3] the least expiry in milliseconds (1, or more when a client clock may run faster than real time)
-- ARGV[4] the permits asked for (0: only read the state, write nothing); when adjusting, the signed delta
-- ARGV[5] the longest wait the caller accepts for a reserved slot, in clock units
-- ARGV[6] '' to decide, 'adjust' to settle a grant: take ARGV[4] more permits (positive, debt allowed) or give
--         -ARGV[4] back (negative), with the local engine's semantics; 'release' to end a concurrency lease (rate
--         algorithms ignore it)
-- ARGV[7] when adjusting, the clock reading of the decision that granted the permits ('' otherwise)
-- ARGV[8...] the algorithm's parameters, in clock units
--
-- Every script answers {granted (1 or 0), wait of a reservation or retry time of a refusal, remaining permits,
-- the clock reading it decided on}; an adjustment answers {1, 0, 0, reading}. The reading lets a permit name its
-- grant's time in server-time mode, where only the script reads the clock.
-- Lua numbers are doubles: every value handled is an integer below 2^53 (the engine checks its inputs), so all
-- arithmetic below is exact; divisions go through idiv, which corrects the rounding of '/'.

local EPOCH_SECONDS = 1767225600

local function clock_now()
  if ARGV[1] ~= '' then
    return tonumber(ARGV[1])
  end
  local t = redis.call('TIME')
  return (tonumber(t[1]) - EPOCH_SECONDS) * 1000000 + tonumber(t[2])
end

-- floor(a / b) for integers |a| < 2^53 and 0 < b < 2^53: the double quotient is off by at most one.
local math_floor = math.floor

local function idiv(a, b)
  local q = math_floor(a / b)
  local r = a - q * b
  if r < 0 then
    q = q - 1
  elseif r >= b then
    q = q + 1
  end
  return q
end

-- ceil(a / b), same range.
local function ceil_div(a, b)
  return -idiv(-a, b)
end

-- The expiry, in milliseconds, of a key whose state returns to rest in `units` clock units: rounded up, and at
-- least the configured floor.
local function expiry_ms(units)
  local ms = ceil_div(units, tonumber(ARGV[2]))
  local least = tonumber(ARGV[3])
  if ms < least then
    ms = least
  end
  return ms
end

-- Counts (window counts, debt) are kept at most this, so they stay exact in a double.
local MAX_COUNT = 4503599627370496

-- The request of this call, handed to the algorithm functions (each algorithm file defines one, taking
-- (keys, params, at, request), its parameters being params[at + 1], params[at + 2]..., and answering as above):
-- the clock reading, the permits (or the signed delta), the longest wait, the operation ('' decide, 'adjust',
-- 'release'), the grant's reading when adjusting, and `dry`: when true, the function evaluates the request exactly
-- as it would, but writes nothing (the composite script asks every part dry first, then applies the writes only if
-- all would grant). `dry` starts absent (nil, false to Lua's tests) so a single-algorithm call builds one field less.
local function request()
  return {
    now = clock_now(),
    permits = tonumber(ARGV[4]),
    max_wait = tonumber(ARGV[5]),
    op = ARGV[6],
    granted_at = tonumber(ARGV[7])
  }
end

-- The algorithm a single-algorithm script runs: each algorithm file sets it to its function, and the entry
-- (single.lua) calls it on KEYS and ARGV, whose parameters start after ARGV[7] (no copy of them is made).
local entry
