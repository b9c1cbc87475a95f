-- One decision on a bucket: a fragment, included by bucket.lua and, in its loop, by bucket_batch.lua, where the
-- locals it reads are set (see bucket.lua): tat (the stored theoretical arrival time as a number, or now when absent),
-- now, permits, max_wait, interval, tolerance, shaping, queue_delay, and `floor`. It writes nothing to Redis; it
-- declares and sets:
--   granted    1 or 0
--   wait       the wait of a reserved slot (0 for an immediate grant), or the retry time of a refusal
--   next_tat   the tat a grant of permits > 0 leaves (nil otherwise), which the includer writes
--   remaining  the permits the bucket still has after this decision (meter), or the requests its queue still takes
local granted = 1
local wait = 0
local next_tat
local ahead
if permits > 0 then
  local slot = tat
  if now > slot then
    slot = now
  end
  next_tat = slot + permits * interval
  if shaping then
    wait = slot - now
  else
    wait = next_tat - tolerance - now
  end
  if wait > 0 then
    local acceptable = max_wait + 0
    if shaping and queue_delay < acceptable then
      acceptable = queue_delay
    end
    if wait > acceptable then
      granted = 0
      next_tat = nil
    end
  else
    wait = 0
  end
end
if next_tat then
  ahead = next_tat - now
else
  ahead = tat - now
end

-- The permits a bucket whose tat is `ahead` past now still has (meter), or the requests its queue still takes
-- (shaping): floor(room / interval), exactly.
if ahead < 0 then
  ahead = 0
end
local room
if shaping then
  room = queue_delay - ahead
else
  room = tolerance - ahead
end
local remaining = 0
if room >= 0 then
  remaining = floor(room / interval)
  local rest = room - remaining * interval
  if rest < 0 then
    remaining = remaining - 1
  elseif rest >= interval then
    remaining = remaining + 1
  end
  if shaping then
    remaining = remaining + 1 -- the head of the queue, served now
  end
end
