-- Entry of the multi-key batch script (follows common.lua, fixed_window.lua, sliding_window.lua and sliding_log.lua):
-- concurrent requests to many rate limits (of any of those algorithms and the token and leaky buckets), gathered by
-- the client while another call of theirs was in flight, decided in one call at one clock reading. The requests of one
-- limit come together as one entry, in their arrival order, and each is decided exactly as that limit's own batch
-- script would decide it (bucket_batch.lua, or the algorithm's function through batch.lua): each request sees the
-- state the one before it left. Entries touch their own keys; two entries touching one key (two specs under one name)
-- are decided one after the other, each seeing what the one before wrote. Fixed classpath text, never built from
-- values.
--
-- ARGV[1] the clock reading in client-time mode, or '' for the server's clock (see common.lua)
-- ARGV[2] clock units per millisecond; ARGV[3] the least expiry in milliseconds (see common.lua)
-- ARGV[4] the number s of specs, then s specs, each: the algorithm ('bucket', 'fixed_window', 'sliding_window',
--         'sliding_log'), the number of keys of a limit of it, the number p of its parameters, then its p parameters
--         (a bucket's: the interval per permit, the tolerance, the shaping queue's longest delay or '' for a meter; the
--         others': the limit and the window, as their single scripts take them)
-- then, to the end, the entries, each: the index (1-based) of its spec, the number of runs of its requests, then its
--         runs of requests alike, each three values: how many requests, their permits (at least 1), the longest wait
--         they accept for a reserved slot in clock units (read by the buckets only); or, for the commonest entry, one
--         request of 1 permit that waits for nothing, the index negated alone (a compact entry: one value where the
--         full form takes five, each of which Redis parses and hands to Lua); or, for several compact entries of one
--         spec in a row (a keyed limiter's burst over many keys), 0, how many, and the spec's index
-- KEYS every entry's keys in entry order, as many per entry as its spec says (a bucket's second key is its shared rate
--      factor's)
-- Answer: a flat array, per request in entry order then arrival order: for a bucket, as bucket_batch.lua answers (one
-- integer, the remaining permits of an immediate grant, or three, {-1 refused or -2 reserved, retry time or wait,
-- remaining}); for the others, as batch.lua answers (five integers).

local now = clock_now()
local per_ms = tonumber(ARGV[2])
local least_ms = ARGV[3]
local least = least_ms + 0
local floor = math.floor
local pack_double, unpack_double, byte = struct.pack, struct.unpack, string.byte
local answer = {}
local size = 0

-- What the call's buckets wrote, by key: a bucket written by an earlier entry of this call (two specs under one name)
-- is read from here, not from the values read before the entries ran.
local written_here = {}

-- One bucket's entry: bucket_batch.lua's loop over the entry's runs from src[a] (ARGV, or a compact entry's run);
-- answers the index after its runs in src. The spec's parameters come as numbers, read once per call.
local function bucket_entry(bucket_key, value, rate_key, interval, tolerance, shaping, queue_delay, src, a, runs)
--#include bucket_rate.lua
  local state = written_here[bucket_key]
  if not state then
    local tat = value
--#include bucket_tat.lua
    state = tat
  end
  local written = false
  local waits_until
  for _ = 1, runs do
--#include bucket_runs_step.lua
  end
--#include bucket_runs_write.lua
  if written then
    written_here[bucket_key] = state
  end
  return a
end

-- One entry of another algorithm: its function once per request, as batch.lua runs it, over the entry's runs from
-- src[a] (ARGV, or a compact entry's run); answers the index after its runs in src.
local function function_entry(run_function, keys, at, src, a, runs)
  local r = {now = now, permits = 0, max_wait = 0, op = ''}
  for _ = 1, runs do
    local run = tonumber(src[a])
    r.permits = tonumber(src[a + 1])
    r.max_wait = tonumber(src[a + 2])
    for _ = 1, run do
      local one = run_function(keys, ARGV, at, r)
      answer[size + 1] = one[1]
      answer[size + 2] = one[2]
      answer[size + 3] = one[3]
      answer[size + 4] = one[4]
      answer[size + 5] = one[5] or 0
      size = size + 5
    end
    a = a + 3
  end
  return a
end

local functions = {
  fixed_window = fixed_window,
  sliding_window = sliding_window,
  sliding_log = sliding_log
}

-- The specs: {algorithm, key count, index of ARGV just before its parameters}, and for a bucket its parameters as
-- numbers (the interval, the tolerance, whether it shapes, the queue's longest delay), read once here rather than per
-- entry: every text read as a number is a strtod.
local specs = {}
local any_bucket = false
local a = 5
for i = 1, tonumber(ARGV[4]) do
  local spec = {ARGV[a], tonumber(ARGV[a + 1]), a + 2}
  if spec[1] == 'bucket' then
    spec[4] = ARGV[a + 3] + 0
    spec[5] = ARGV[a + 4] + 0
    spec[6] = ARGV[a + 5] ~= ''
    if spec[6] then
      spec[7] = ARGV[a + 5] + 0
    end
    any_bucket = true
  end
  specs[i] = spec
  a = a + 3 + tonumber(ARGV[a + 2])
end

-- Every key's value, read at once when the call has buckets: one MGET where a GET per bucket would each pay a
-- command's dispatch (a key of another type, a window's hash or log, reads as false and is not used).
local stored = {}
if any_bucket then
  stored = redis.call('MGET', unpack(KEYS))
end

-- A compact entry's one run: one request of 1 permit that waits for nothing (numbers, as the runs' text becomes).
local ONE = {1, 1, 0}
local k = 1
local last = #ARGV
while a <= last do
  local index = tonumber(ARGV[a])
  local src, from, runs, count
  if index < 0 then
    index = -index
    src, from, runs, count = ONE, 1, 1, 1
    a = a + 1
  elseif index == 0 then
    -- A row of compact entries of one spec: 0, how many, the spec's index.
    count = tonumber(ARGV[a + 1])
    index = tonumber(ARGV[a + 2])
    src, from, runs = ONE, 1, 1
    a = a + 3
  else
    src, from, runs, count = ARGV, a + 2, tonumber(ARGV[a + 1]), 1
  end
  local spec = specs[index]
  local at = spec[3]
  local bucket = spec[1] == 'bucket'
  local run_function
  if not bucket then
    run_function = functions[spec[1]]
    if not run_function then
      return redis.error_reply('unknown algorithm ' .. tostring(spec[1]))
    end
  end
  for _ = 1, count do
    local after
    if bucket then
      local rate_key = nil
      if spec[2] > 1 then
        rate_key = KEYS[k + 1]
      end
      after = bucket_entry(KEYS[k], stored[k], rate_key, spec[4], spec[5], spec[6], spec[7], src, from, runs)
    else
      local keys = {}
      for i = 1, spec[2] do
        keys[i] = KEYS[k + i - 1]
      end
      after = function_entry(run_function, keys, at, src, from, runs)
    end
    if src == ARGV then
      a = after
    end
    k = k + spec[2]
  end
end
return answer
