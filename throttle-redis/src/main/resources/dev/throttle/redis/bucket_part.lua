-- The token and leaky buckets of a composite's parts: bucket.lua, the engine's one implementation of the buckets, is
-- included below as the body of a function of the locals it reads (bucket_script.lua runs the same text as the main
-- chunk of the standalone script). Follows common.lua.
local function bucket_decide(bucket_key, rate_key, now, per_ms, permits, max_wait, interval, tolerance, shaping,
    queue_delay, least_ms, op, dry, granted_at)
--#include bucket.lua
end

-- A composite's bucket part, called as every algorithm's function is (see common.lua): keys[1] holds the tat;
-- params[at + 1...] are the interval per permit, the tolerance (capacity x interval), '1' for a shaping queue, and the
-- queue's longest delay. Answers in the common shape {granted, wait or retry, remaining, reading}.
local function bucket(keys, params, at, r)
  if r.op ~= '' and r.op ~= 'adjust' then
    return {1, 0, 0, r.now} -- a rate permit holds nothing to release
  end
  local op = nil
  if r.op == 'adjust' then
    op = 'adjust'
  end
  local answer = bucket_decide(keys[1], nil, r.now, tonumber(ARGV[2]), r.permits, r.max_wait,
    tonumber(params[at + 1]), tonumber(params[at + 2]), params[at + 3] == '1', tonumber(params[at + 4]),
    tonumber(ARGV[3]), op, r.dry, nil)
  if op then
    return {1, 0, 0, r.now}
  end
  if type(answer) == 'number' then
    return {1, 0, answer, r.now}
  end
  return {answer[1], answer[2], answer[3], r.now}
end
