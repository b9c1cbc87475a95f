-- Shared prologue of every throttle script (prepended when the script is loaded; fixed classpath text, never
-- built from values: all values arrive in KEYS and ARGV).
--
-- ARGV[1] the clock reading in client-time mode (ticker nanoseconds), or '' for the server's clock (TIME, in
--         microseconds since 2026-01-01T00:00:00Z, so every reading stays far below 2^53 and exact in a double)
-- ARGV[2] clock units per millisecond (1000000 for nanoseconds, 1000 for microseconds), for PEXPIRE
-- ARGV[3] the least expiry in milliseconds (1, or more when a client clock may run faster than real time)
-- ARGV[4] the permits asked for (0: only read the state, write nothing)
-- ARGV[5] the longest wait the caller accepts for a reserved slot, in clock units
-- ARGV[6...] the algorithm's parameters, in clock units
--
-- Every script answers {granted (1 or 0), wait of a reservation or retry time of a refusal, remaining permits}.
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
local function idiv(a, b)
  local q = math.floor(a / b)
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

local now = clock_now()
local permits = tonumber(ARGV[4])
local max_wait = tonumber(ARGV[5])
