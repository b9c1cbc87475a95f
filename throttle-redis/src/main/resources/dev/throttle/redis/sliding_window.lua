-- Sliding window counter: keys[1] is a hash {w = current window index, n = its count, p = the previous window's
-- final count, W = the window length the index counts in}. A request for n permits, `elapsed` into a window of length
-- W, fits when ceil(p * (W - elapsed) / W) + used + n <= limit. A window stored under another length (a limiter of
-- the same name made with a new spec) is read in its own length: its counts weigh as this window's if it overlaps
-- it, else as the previous window's if it overlaps that one; an index of one length is never read as an index of
-- another. params[1] limit, params[2] window length.
local function sliding_window(keys, params, at, r)
  local now = r.now
  local permits = r.permits
  local limit = tonumber(params[at + 1])
  local window = tonumber(params[at + 2])

  local index = idiv(now, window)
  local used = 0
  local previous = 0
  local state = redis.call('HMGET', keys[1], 'w', 'n', 'p', 'W')
  local same_length = false
  if state[1] then
    local stored = tonumber(state[1])
    local stored_window = tonumber(state[4]) or window
    if stored_window == window then
      same_length = true
      if stored >= index then
        -- The stored window is current (or newer than a lagging reading: conservative).
        index = stored
        used = tonumber(state[2])
        previous = tonumber(state[3])
      elseif stored == index - 1 then
        previous = tonumber(state[2])
      end
    else
      local stored_end = (stored + 1) * stored_window
      if stored_end > index * window then
        used = tonumber(state[2])
        previous = tonumber(state[3])
      elseif stored_end > (index - 1) * window then
        previous = tonumber(state[2]) + tonumber(state[3])
        if previous > MAX_COUNT then
          previous = MAX_COUNT
        end
      end
    end
  end
  local window_start = index * window
  local window_end = window_start + window

  -- Settling, as in the local engine: more permits are charged to the current window (debt allowed: it blocks this
  -- window and weighs on the next); permits given back go only to the window the grant's reading falls in, while it
  -- is still current, never below zero.
  if r.op == 'adjust' then
    if permits > 0 then
      used = used + permits
      if used > MAX_COUNT then
        used = MAX_COUNT
      end
      redis.call('HSET', keys[1], 'w', index, 'n', used, 'p', previous, 'W', window)
      redis.call('PEXPIRE', keys[1], expiry_ms(window_end + window - now))
    elseif same_length and tonumber(state[1]) == index and r.granted_at >= window_start then
      used = used + permits
      if used < 0 then
        used = 0
      end
      -- HSET keeps the key's expiry, which the window's end still sets.
      redis.call('HSET', keys[1], 'n', used)
    end
    return {1, 0, 0, now}
  end
  if r.op ~= '' then
    return {1, 0, 0, now} -- a rate permit holds nothing to release
  end

  local room = limit - used
  local headroom
  if room <= 0 or previous == 0 then
    headroom = room
  else
    local from = now
    if from < window_start then
      from = window_start
    end
    local weight = previous * (window_end - from)
    if weight > MAX_COUNT then
      -- Only a previous window in debt gets here: the true product exceeds limit x window (at most 2^52, checked by
      -- the engine), so the weighted count fills the room; the double product is not exact, and not needed.
      headroom = 0
    else
      headroom = room - ceil_div(weight, window)
    end
  end
  if headroom < 0 then
    headroom = 0
  end

  if permits == 0 then
    return {1, 0, headroom, now}
  end
  if permits <= headroom then
    if not r.dry then
      redis.call('HSET', keys[1], 'w', index, 'n', used + permits, 'p', previous, 'W', window)
      -- This window's count weighs on the next one: at rest when the next one is over.
      redis.call('PEXPIRE', keys[1], expiry_ms(window_end + window - now))
    end
    -- The time until the headroom left grows (the RateLimit field's t), as locally: in this window when the previous
    -- window's weight holds room back (it is <= k from end - floor(k x W / previous)), else in the next one, where this
    -- window's count weighs as the previous; -1 when nothing is counted. The products stay below limit x window.
    local left = headroom - permits
    local room_left = room - permits
    local refill = -1
    if room_left > left then
      refill = window_end - idiv((room_left - left - 1) * window, previous) - now
    elseif limit - left - 1 >= 0 and used + permits > 0 then
      refill = window_end + window - idiv((limit - left - 1) * window, used + permits) - now
    end
    if refill ~= -1 and refill < 1 then
      refill = 1
    end
    return {1, 0, left, now, refill}
  end

  -- The earliest reading at which the request fits if nothing else arrives.
  local at
  if room >= permits then
    -- Refused for the weight of the previous window (so previous > 0): it fits once the weight is <= spare.
    local spare = room - permits
    at = window_end - idiv(spare * window, previous)
  else
    -- This window is too full: in the next one this window's count becomes the weighted previous (used > 0).
    local spare = limit - permits
    at = window_end + window - idiv(spare * window, used)
  end
  local retry = at - now
  if retry < 1 then
    retry = 1
  end
  return {0, retry, headroom, now}
end
entry = sliding_window
