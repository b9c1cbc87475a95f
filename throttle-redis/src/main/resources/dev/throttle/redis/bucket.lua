-- Token bucket and leaky bucket (meter and shaping queue) as GCRA: the engine's one implementation of the buckets.
-- A fragment, not a script: it reads the locals below and returns the answer, and is included textually where they
-- are set. bucket_script.lua includes it as the main chunk of the standalone script every bucket limiter of its own
-- runs (the engine's hot path), setting the locals straight from KEYS and ARGV; bucket_part.lua includes it as the
-- body of a function of those locals, a part of the composite script. So the hot path defines no function (a
-- `local function` makes a closure at every call), builds no table but its reply, and answers an immediate grant, by
-- far the most common answer, with one integer. Fixed classpath text, never built from values.
-- Its decision is bucket_step.lua, its rate factor bucket_rate.lua and its keys' expiry bucket_expiry.lua, fragments
-- included here that bucket_batch.lua includes too, so a batch decides and writes by the same text.
--
-- bucket_key  the key of the theoretical arrival time (tat), the 8 bytes of a big-endian double (bucket_tat.lua reads
--             it, and reads decimal text too); absent, or not after now, is a bucket at rest (full, or an empty queue)
-- rate_key    nil, or, for a limiter that follows a shared rate (RedisSharedRate), the key of the rate factor in
--             millionths of the spec's rate, an integer in [1, 1000000]; absent (or any other value) is the full rate.
--             The interval per permit becomes ceil(interval x 10^6 / factor), at most 2^52 / capacity (so every
--             product stays exact), and the tolerance is kept (a span of time, as a shaping queue's longest delay),
--             but at least one interval: the bucket holds floor(capacity x factor) permits, at least one, and its
--             state (a time) needs no conversion: a drained bucket stays drained and refills at the new rate.
-- now         the clock reading, in clock units (client ticker nanoseconds, or server microseconds since 2026-01-01)
-- per_ms      clock units per millisecond, for expiries (10^6 or 10^3)
-- permits     the permits asked for (0: only read the state, write nothing); when settling, the signed delta
-- max_wait    the longest wait the caller accepts for a reserved slot, in clock units (a number, or its decimal text)
-- interval    the interval per permit, in clock units
-- tolerance   the tolerance (capacity x interval)
-- shaping     true for a shaping queue, false for a meter
-- queue_delay the queue's longest delay for a shaping queue, in clock units
-- least_ms    the least expiry in milliseconds (a number, or its decimal text)
-- granted_at  when settling, the grant's time (a reservation's slot, as its answer gave it), or nil
-- op          nil to decide; 'adjust' to settle a grant: take `permits` more (positive, debt allowed) or give
--             -`permits` back (negative), with the local engine's semantics
-- dry         true to evaluate the request exactly as it would be, but write nothing (a composite's first pass)
--
-- Answer: an immediate grant (or a read) is the integer of the remaining permits; a reserved slot is {1, wait,
-- remaining, the slot's time}, a refusal {0, retry time, remaining}; a settlement is 0.
-- Lua numbers are doubles: every value handled is an integer below 2^53 (the engine checks its inputs), so all
-- arithmetic is exact; each floor of a quotient corrects the rounding of '/' (off by at most one). Decimal text
-- becomes a number by arithmetic coercion (`x + 0`, which reads it as tonumber does) rather than a call to tonumber:
-- measurably cheaper per argument.

local floor = math.floor
local pack_double, unpack_double, byte = struct.pack, struct.unpack, string.byte
local least = least_ms + 0

--#include bucket_rate.lua

local tat = redis.call('GET', bucket_key)
--#include bucket_tat.lua

if op then
  -- Settling: tat moves by delta x interval, as in the local engine. A refund gives back at most the capacity and
  -- never moves the bucket past full (below min(tat, now)); debt is bounded (2^50 units past now) so tat stays exact.
  -- An absent key (expired at rest) counts as tat = now, which charges a debt in full: conservative. While a grant
  -- waits for its slot (bucket_wait_mark.lua), a refund is dropped, as in the local engine: it could only take time off
  -- the schedule's end, the slot of a grant still waiting, and two grants would share it; its slot stays unused, which
  -- never over-admits. The last grant scheduled, withdrawn, is undone.
  local next_tat
  if permits < 0 then
    local marked = redis.call('GET', bucket_key .. ':w')
    if marked and marked + 0 > now then
      -- Unless it is the last grant scheduled, given back whole from its slot's time (granted_at): that undoes it.
      local last = false
      if granted_at then
        if shaping then
          last = tat + permits * interval == granted_at + 0
        else
          last = tat - tolerance == granted_at + 0
        end
      end
      if not last then
        return 0
      end
    end
    local capacity = floor(tolerance / interval)
    local rest = tolerance - capacity * interval
    if rest < 0 then
      capacity = capacity - 1
    elseif rest >= interval then
      capacity = capacity + 1
    end
    if permits < -capacity then
      permits = -capacity
    end
    next_tat = tat + permits * interval
    local lowest = tat
    if now < lowest then
      lowest = now
    end
    if next_tat < lowest then
      next_tat = lowest
    end
  else
    next_tat = tat + permits * interval
    if next_tat > now + 1125899906842624 then
      next_tat = now + 1125899906842624
    end
    if next_tat < tat then
      next_tat = tat
    end
  end
  -- A tat not after now still gets the least expiry.
  local span = next_tat - now
--#include bucket_expiry.lua
  redis.call('SET', bucket_key, pack_double('>d', next_tat), 'PX', ms)
  return 0
end

--#include bucket_step.lua

if next_tat and not dry then
  local span = next_tat - now
--#include bucket_expiry.lua
  redis.call('SET', bucket_key, pack_double('>d', next_tat), 'PX', ms)
  if wait > 0 then
    local waits_until = now + wait
--#include bucket_wait_mark.lua
  end
end
if granted == 1 and wait == 0 then
  return remaining
end
if granted == 1 then
  return {granted, wait, remaining, now + wait} -- and the slot's time, by which a give-back of it is recognised
end
return {granted, wait, remaining}
