-- Entry of the batch variant of a single-algorithm script (in place of single.lua): several requests to one limit,
-- coalesced by the client, decided in one call in their arrival order by the algorithm's own function, each exactly
-- as the single script would decide it alone at the same clock reading (read once for the whole batch). Each request
-- sees the state the one before it left, as one by one.
--
-- ARGV[1...3] and the algorithm's parameters from ARGV[8] as for single.lua; ARGV[4] the number r of runs of
-- requests alike; ARGV[5] '0'; ARGV[6] '' (decide); ARGV[7] ''; then, last, the requests (at most a few hundred, so
-- one call stays short) in arrival order, in r runs of two values: how many requests, and their permits (at least 1).
-- Answer: a flat array of 5 integers per request, {granted, retry time of a refusal, remaining, reading, refill time
-- of a grant that tells one (a sliding window's or log's) or 0}.
local r = request()
local answer = {}
local at = 0
for a = #ARGV - 2 * r.permits + 1, #ARGV, 2 do
  local run = tonumber(ARGV[a])
  r.permits = tonumber(ARGV[a + 1])
  for _ = 1, run do
    local one = entry(KEYS, ARGV, 7, r)
    answer[at + 1] = one[1]
    answer[at + 2] = one[2]
    answer[at + 3] = one[3]
    answer[at + 4] = one[4]
    answer[at + 5] = one[5] or 0
    at = at + 5
  end
end
return answer
