-- Fixed window counter: keys[1] is a hash {w = window index floor(now / W), n = permits counted in it, W = the
-- window length the index counts in}. A stored window newer than the reading (a lagging client reading, or the
-- server clock stepping back) counts as current, which is conservative. A window stored under another length (a
-- limiter of the same name made with a new spec) is read in its own length: its permits count in the current window
-- if the two overlap, as a longer window inherits the count of the one it overlaps in the local engine; an index of
-- one length is never read as an index of another. params[1] limit, params[2] window length.
local function fixed_window(keys, params, at, r)
  local now = r.now
  local permits = r.permits
  local limit = tonumber(params[at + 1])
  local window = tonumber(params[at + 2])

  local index = idiv(now, window)
  local used = 0
  local state = redis.call('HMGET', keys[1], 'w', 'n', 'W')
  local same_length = false
  if state[1] then
    local stored = tonumber(state[1])
    local stored_window = tonumber(state[3]) or window
    if stored_window == window then
      same_length = true
      if stored >= index then
        index = stored
        used = tonumber(state[2])
      end
    elseif (stored + 1) * stored_window > index * window then
      used = tonumber(state[2])
    end
  end
  local window_end = (index + 1) * window

  -- Settling, as in the local engine: more permits are charged to the current window, past the limit if need be
  -- (debt, which blocks the window until it ends); permits given back go only to the window the grant's reading
  -- falls in, while it is still current, never below zero. A give-back for a window that time has left is dropped.
  if r.op == 'adjust' then
    if permits > 0 then
      used = used + permits
      if used > MAX_COUNT then
        used = MAX_COUNT
      end
      redis.call('HSET', keys[1], 'w', index, 'n', used, 'W', window)
      redis.call('PEXPIRE', keys[1], expiry_ms(window_end - now))
    elseif same_length and tonumber(state[1]) == index and r.granted_at >= index * window then
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
  if room < 0 then
    room = 0
  end

  if permits == 0 then
    return {1, 0, room, now}
  end
  if permits <= room then
    if not r.dry then
      used = used + permits
      redis.call('HSET', keys[1], 'w', index, 'n', used, 'W', window)
      -- At rest once the window is over.
      redis.call('PEXPIRE', keys[1], expiry_ms(window_end - now))
    end
    return {1, 0, room - permits, now}
  end
  return {0, window_end - now, room, now}
end
entry = fixed_window
