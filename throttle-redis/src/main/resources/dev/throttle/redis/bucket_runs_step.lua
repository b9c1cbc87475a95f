-- A fragment, included by bucket_batch.lua and multi.lua in their loop over one bucket's runs: decides the run of
-- requests at src[a] (count, permits, longest wait; src is ARGV, or the run of a compact entry of multi.lua) one by
-- one on the bucket's state, appends each answer (one integer for an immediate grant, else -1 - granted, wait,
-- remaining, and for a reserved slot its time) and moves a to the next run; raises waits_until (nil, or the latest
-- time a grant of the bucket waits for) for bucket_runs_write.lua. Needs the locals bucket_step.lua needs, and src,
-- state, written, waits_until, answer, size and a.
local run = src[a] + 0
local permits = src[a + 1] + 0
local max_wait = src[a + 2]
for _ = 1, run do
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
    end
  end
end
a = a + 3
