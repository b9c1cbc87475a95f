-- The floor: the least a one-key token bucket in Redis can do (GCRA, one permit, server clock, no waiting).
-- KEYS[1] holds the theoretical arrival time in microseconds; ARGV[1] is the interval per permit, ARGV[2] the
-- tolerance (capacity x interval). Answers 1 (granted) or 0 (refused).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + tonumber(ARGV[1])
if next_tat - now > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], next_tat, 'PX', math.floor((next_tat - now) / 1000) + 1)
return 1
