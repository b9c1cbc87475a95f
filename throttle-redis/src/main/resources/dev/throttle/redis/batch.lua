-- Entry of the batch variant of a single-algorithm script (in place of single.lua): several requests to one limit,
-- coalesced by the client, decided in one call in their arrival order by the algorithm's own function, each exactly
-- as the single script would decide it alone at the same clock reading (read once for the whole batch). Each request
-- sees the state the one before it left, as one by one.
--
-- ARGV[1...3] and the algorithm's parameters from ARGV[8] as for single.lua; ARGV[4] the number n of requests (at
-- most a few hundred, so one call stays short); ARGV[5] '0'; ARGV[6] '' (decide); ARGV[7] ''; then, last, the n
-- requests' permits (each at least 1) in arrival order: ARGV[#ARGV - n + i] for request i.
-- Answer: a flat array of 5 integers per request, {granted, retry time of a refusal, remaining, reading, refill time
-- of a grant that tells one (a sliding window's or log's) or 0}.
local r = request()
local n = r.permits
local first = #ARGV - n
local answer = {}
for i = 1, n do
  r.permits = tonumber(ARGV[first + i])
  local one = entry(KEYS, ARGV, 7, r)
  local at = 5 * (i - 1)
  answer[at + 1] = one[1]
  answer[at + 2] = one[2]
  answer[at + 3] = one[3]
  answer[at + 4] = one[4]
  answer[at + 5] = one[5] or 0
end
return answer
