-- Sliding log: KEYS[1] is a sorted set with one member per permit granted, scored by its time; KEYS[2] a counter
-- that makes members unique (a weighted request adds n members). A permit of time t counts during [t, t + W).
-- ARGV[8] limit, ARGV[9] window length.
local limit = tonumber(ARGV[8])
local window = tonumber(ARGV[9])

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local room = limit - count
if room < 0 then
  room = 0
end

-- Logs n permits at now, and sets both keys to expire once the newest permit has left the window.
local function log_permits(n)
  local last = redis.call('INCRBY', KEYS[2], n)
  local batch = {}
  for member = last - n + 1, last do
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
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  local expiry = expiry_ms(tonumber(newest[2]) + window - now)
  redis.call('PEXPIRE', KEYS[1], expiry)
  redis.call('PEXPIRE', KEYS[2], expiry)
end

-- Settling, as in the local engine: more permits used are logged now, even past the limit (debt), at most the
-- limit (older ones could never change a decision); fewer used gives nothing back: the unused permits count until
-- they leave the window (conservative, and the local log cannot un-log either).
if adjusting then
  if permits > 0 then
    local n = permits
    if n > limit then
      n = limit
    end
    log_permits(n)
    -- Only the newest `limit` permits can weigh on a decision: the log stays bounded whatever is settled.
    redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(limit + 1))
  end
  return {1, 0, 0, now}
end

if permits == 0 then
  return {1, 0, room, now}
end
local must_leave = count + permits - limit
if must_leave <= 0 then
  log_permits(permits)
  return {1, 0, limit - count - permits, now}
end
-- The request fits once the must_leave-th oldest permit has left.
local leaving = redis.call('ZRANGE', KEYS[1], must_leave - 1, must_leave - 1, 'WITHSCORES')
local retry = tonumber(leaving[2]) + window - now
if retry < 1 then
  retry = 1
end
return {0, retry, room, now}
