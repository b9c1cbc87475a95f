-- The permits a bucket whose tat is `ahead` clock units past now still has (meter), or the requests its queue still
-- takes (shaping). A plain function of its arguments rather than a closure inside gcra, so a call creates none.
local function gcra_available(ahead, shaping, queue_delay, interval, tolerance)
  if ahead < 0 then
    ahead = 0
  end
  if shaping then
    if ahead > queue_delay then
      return 0
    end
    return idiv(queue_delay - ahead, interval) + 1
  end
  if ahead >= tolerance then
    return 0
  end
  return idiv(tolerance - ahead, interval)
end

-- Token bucket and leaky bucket (meter and shaping queue) as GCRA: keys[1] holds the theoretical arrival time
-- (tat); an absent key, or a tat not after now, is a bucket at rest (full, or an empty queue).
-- Parameters (params[at + 1...]): the interval per permit, the tolerance (capacity x interval), '1' for a shaping
-- queue, the queue's longest delay (shaping).
local function gcra(keys, params, at, r)
  local now = r.now
  local permits = r.permits
  local interval = tonumber(params[at + 1])
  local tolerance = tonumber(params[at + 2])
  local shaping = params[at + 3] == '1'
  local queue_delay = tonumber(params[at + 4])

  local stored = redis.call('GET', keys[1])
  local tat = now
  if stored then
    tat = tonumber(stored)
  end

  -- Settling: tat moves by delta x interval, as in the local engine. A refund gives back at most the capacity and
  -- never moves the bucket past full (below min(tat, now)); debt is bounded so tat stays exact in a double. An
  -- absent key (expired at rest) counts as tat = now, which charges a debt in full: conservative.
  if r.op == 'adjust' then
    local capacity = idiv(tolerance, interval)
    local next_tat
    if permits < 0 then
      local delta = permits
      if delta < -capacity then
        delta = -capacity
      end
      next_tat = tat + delta * interval
      local floor = tat
      if now < floor then
        floor = now
      end
      if next_tat < floor then
        next_tat = floor
      end
    else
      next_tat = tat + permits * interval
      if next_tat > now + MAX_DEBT then
        next_tat = now + MAX_DEBT
      end
      if next_tat < tat then
        next_tat = tat
      end
    end
    redis.call('SET', keys[1], next_tat, 'PX', expiry_ms(next_tat - now))
    return {1, 0, 0, now}
  end
  if r.op ~= '' then
    return {1, 0, 0, now} -- a rate permit holds nothing to release
  end

  if permits == 0 then
    return {1, 0, gcra_available(tat - now, shaping, queue_delay, interval, tolerance), now}
  end

  local slot = tat
  if now > slot then
    slot = now
  end
  local next_tat = slot + permits * interval
  local wait
  if shaping then
    wait = slot - now
  else
    wait = next_tat - tolerance - now
  end
  if wait > 0 then
    local acceptable = r.max_wait
    if shaping and queue_delay < acceptable then
      acceptable = queue_delay
    end
    if wait > acceptable then
      return {0, wait, gcra_available(tat - now, shaping, queue_delay, interval, tolerance), now}
    end
  else
    wait = 0
  end
  if not r.dry then
    -- At rest again once time reaches the new tat.
    redis.call('SET', keys[1], next_tat, 'PX', expiry_ms(next_tat - now))
  end
  return {1, wait, gcra_available(next_tat - now, shaping, queue_delay, interval, tolerance), now}
end
entry = gcra
