-- All-of composite: one decision over several limits, all of whose keys share one hash tag (one slot): the
-- composite's name, or for a keyed composite of per-key parts only, its key's limiter's name. Follows common.lua and
-- every algorithm's part (bucket_part.lua for the buckets). ARGV[1..7] as in common.lua (ARGV[5] is 0: a composite
-- never reserves a future slot); ARGV[8] the lease id of the request ('' when no part is a concurrency limit);
-- ARGV[9...] the parts in order, each as: algorithm name, number of keys, number of parameters, the parameters.
-- KEYS holds the parts' keys in the same order. The lease id is appended to every part's parameters (only
-- concurrency reads it).
--
-- A decision asks every part dry (nothing written); only if all would grant does it ask them again for real, so a
-- refusal by one part spends nothing in the others. Answer: {granted, retry time of the refusal, remaining (of the
-- refusing part, or the least of all parts when granted), reading, index (0-based) of the refusing part, or of the
-- part with the least remaining when granted}. 'adjust' and 'release' apply to every part.
local algorithms = {
  fixed_window = fixed_window,
  sliding_window = sliding_window,
  sliding_log = sliding_log,
  bucket = bucket,
  concurrency = concurrency
}

local r = request()
local parts = {}
local a = 9
local k = 1
while a <= #ARGV do
  local run = algorithms[ARGV[a]]
  if not run then
    return redis.error_reply('unknown algorithm ' .. ARGV[a])
  end
  local key_count = tonumber(ARGV[a + 1])
  local param_count = tonumber(ARGV[a + 2])
  local keys = {}
  for i = 0, key_count - 1 do
    keys[#keys + 1] = KEYS[k + i]
  end
  local params = {}
  for i = 0, param_count - 1 do
    params[#params + 1] = ARGV[a + 3 + i]
  end
  params[#params + 1] = ARGV[8]
  parts[#parts + 1] = {run = run, keys = keys, params = params}
  a = a + 3 + param_count
  k = k + key_count
end

if r.op ~= '' then
  for i = 1, #parts do
    parts[i].run(parts[i].keys, parts[i].params, 0, r)
  end
  return {1, 0, 0, r.now, 0}
end

r.dry = true
local remaining
local tightest = 0
for i = 1, #parts do
  local answer = parts[i].run(parts[i].keys, parts[i].params, 0, r)
  if answer[1] == 0 then
    return {0, answer[2], answer[3], r.now, i - 1}
  end
  if remaining == nil or answer[3] < remaining then
    remaining = answer[3]
    tightest = i - 1
  end
end
if r.permits > 0 then
  r.dry = false
  for i = 1, #parts do
    parts[i].run(parts[i].keys, parts[i].params, 0, r)
  end
end
return {1, 0, remaining, r.now, tightest}
