-- Sliding log: KEYS[1] is a sorted set with one member per permit granted, scored by its time; KEYS[2] a counter
-- that makes members unique (a weighted request adds n members). A permit of time t counts during [t, t + W).
-- ARGV[6] limit, ARGV[7] window length.
local limit = tonumber(ARGV[6])
local window = tonumber(ARGV[7])

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local room = limit - count
if room < 0 then
  room = 0
end

if permits == 0 then
  return {1, 0, room}
end
local must_leave = count + permits - limit
if must_leave <= 0 then
  local last = redis.call('INCRBY', KEYS[2], permits)
  local batch = {}
  for member = last - permits + 1, last do
    batch[#batch + 1] = now
    batch[#batch + 1] = member
    if #batch >= 1000 then
      redis.call('ZADD', KEYS[1], unpack(batch))
      batch = {}
    end
  end
  if #batch > 0 then
    redis.call('ZADD', KEYS[1], unpack(batch))
  end
  -- At rest once the newest permit has left the window.
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  local expiry = expiry_ms(tonumber(newest[2]) + window - now)
  redis.call('PEXPIRE', KEYS[1], expiry)
  redis.call('PEXPIRE', KEYS[2], expiry)
  return {1, 0, limit - count - permits}
end
-- The request fits once the must_leave-th oldest permit has left.
local leaving = redis.call('ZRANGE', KEYS[1], must_leave - 1, must_leave - 1, 'WITHSCORES')
local retry = tonumber(leaving[2]) + window - now
if retry < 1 then
  retry = 1
end
return {0, retry, room}
