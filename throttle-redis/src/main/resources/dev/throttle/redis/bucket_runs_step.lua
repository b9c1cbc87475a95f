-- A fragment, included by bucket_batch.lua and multi.lua in their loop over one bucket's runs: decides the run of
-- requests at src[a] (count, permits, longest wait; src is ARGV, or the run of a compact entry of multi.lua) on the
-- bucket's state as one by one, appends each answer (one integer for an immediate grant, else -1 - granted, wait,
-- remaining, and for a reserved slot its time) and moves a to the next run; raises waits_until (nil, or the latest
-- time a grant of the bucket waits for) for bucket_runs_write.lua. Needs the locals bucket_step.lua needs, and src,
-- state, written, waits_until, answer, size and a.
local run = src[a] + 0
local permits = src[a + 1] + 0
local max_wait = src[a + 2]
-- A run alike on a meter (a burst of single permits on a hot key) gives the same answers as one by one, faster: its
-- first requests are granted at once while the bucket has room, and are worked out together (the i-th grant's
-- remaining is floor((room - i * step) / interval), exactly floor(room / interval) - i * permits); the rest go one by
-- one (slots reserved for those that wait) until one is refused, which stands for every later one (a refusal changes
-- nothing, and they are alike).
local alike = run > 1 and permits > 0 and not shaping
local decided = 0
if alike then
  local step = permits * interval
  local slot = state
  if now > slot then
    slot = now
  end
  local room = tolerance - (slot - now)
  if room >= step then
    local grants = floor(room / step)
    local rest = room - grants * step
    if rest < 0 then
      grants = grants - 1
    elseif rest >= step then
      grants = grants + 1
    end
    if grants > run then
      grants = run
    end
    local base = floor(room / interval)
    rest = room - base * interval
    if rest < 0 then
      base = base - 1
    elseif rest >= interval then
      base = base + 1
    end
    for i = 1, grants do
      answer[size + i] = base - i * permits
    end
    size = size + grants
    state = slot + grants * step
    written = true
    decided = grants
  end
end
for done = decided + 1, run do
  local tat = state
--#include bucket_step.lua
  if next_tat then
    state = next_tat
    written = true
    if wait > 0 and (not waits_until or now + wait > waits_until) then
      waits_until = now + wait
    end
  end
  if granted == 1 and wait == 0 then
    size = size + 1
    answer[size] = remaining
  else
    answer[size + 1] = -1 - granted
    answer[size + 2] = wait
    answer[size + 3] = remaining
    size = size + 3
    if granted == 1 then
      size = size + 1
      answer[size] = now + wait -- a reserved slot's time, by which a give-back of it is recognised
    elseif alike then
      for _ = done + 1, run do
        answer[size + 1] = -1
        answer[size + 2] = wait
        answer[size + 3] = remaining
        size = size + 3
      end
      break
    end
  end
end
a = a + 3
