-- Sliding log: keys[1] is a sorted set with one member per permit granted, scored by its time; keys[2] a counter
-- that makes members unique (a weighted request adds n members). A permit of time t counts during [t, t + W).
-- params[1] limit, params[2] window length.
local function sliding_log(keys, params, at, r)
  local now = r.now
  local permits = r.permits
  local limit = tonumber(params[at + 1])
  local window = tonumber(params[at + 2])

  -- Permits of time <= now - W have left the window: a write drops them, a dry run only skips them. The bound is
  -- formatted as a whole number ('..' would print large numbers in exponent form).
  local live = '(' .. string.format('%.0f', now - window)
  if not r.dry then
    redis.call('ZREMRANGEBYSCORE', keys[1], '-inf', now - window)
  end
  local count = redis.call('ZCOUNT', keys[1], live, '+inf')
  local room = limit - count
  if room < 0 then
    room = 0
  end

  -- Logs n permits at now, and sets both keys to expire once the newest permit has left the window.
  local function log_permits(n)
    local last = redis.call('INCRBY', keys[2], n)
    local batch = {}
    for member = last - n + 1, last do
      batch[#batch + 1] = now
      batch[#batch + 1] = member
      if #batch >= 1000 then
        redis.call('ZADD', keys[1], unpack(batch))
        batch = {}
      end
    end
    if #batch > 0 then
      redis.call('ZADD', keys[1], unpack(batch))
    end
    local newest = redis.call('ZRANGE', keys[1], -1, -1, 'WITHSCORES')
    local expiry = expiry_ms(tonumber(newest[2]) + window - now)
    redis.call('PEXPIRE', keys[1], expiry)
    redis.call('PEXPIRE', keys[2], expiry)
  end

  -- Settling, as in the local engine: more permits used are logged now, even past the limit (debt), at most the
  -- limit (older ones could never change a decision); fewer used gives nothing back: the unused permits count until
  -- they leave the window (conservative, and the local log cannot un-log either).
  if r.op == 'adjust' then
    if permits > 0 then
      local n = permits
      if n > limit then
        n = limit
      end
      log_permits(n)
      -- Only the newest `limit` permits can weigh on a decision: the log stays bounded whatever is settled.
      redis.call('ZREMRANGEBYRANK', keys[1], 0, -(limit + 1))
    end
    return {1, 0, 0, now}
  end
  if r.op ~= '' then
    return {1, 0, 0, now} -- a rate permit holds nothing to release
  end

  if permits == 0 then
    return {1, 0, room, now}
  end
  local must_leave = count + permits - limit
  if must_leave <= 0 then
    if not r.dry then
      log_permits(permits)
    end
    -- The time until the oldest permit in the window leaves it (the RateLimit field's t), as locally.
    local oldest = redis.call('ZRANGEBYSCORE', keys[1], live, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    local refill = -1
    if oldest[2] then
      refill = tonumber(oldest[2]) + window - now
    elseif r.dry then
      refill = window -- a dry run logs nothing: the permits it would log would leave first
    end
    return {1, 0, limit - count - permits, now, refill}
  end
  -- The request fits once the must_leave-th oldest permit in the window has left.
  local leaving = redis.call('ZRANGEBYSCORE', keys[1], live, '+inf', 'WITHSCORES', 'LIMIT', must_leave - 1, 1)
  local retry = tonumber(leaving[2]) + window - now
  if retry < 1 then
    retry = 1
  end
  return {0, retry, room, now}
end
entry = sliding_log
