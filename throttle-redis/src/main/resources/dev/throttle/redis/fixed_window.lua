-- Fixed window counter: KEYS[1] is a hash {w = window index floor(now / W), n = permits counted in it}.
-- A stored window newer than the reading (a lagging client reading, or the server clock stepping back) counts as
-- current, which is conservative. ARGV[6] limit, ARGV[7] window length.
local limit = tonumber(ARGV[6])
local window = tonumber(ARGV[7])

local index = idiv(now, window)
local used = 0
local state = redis.call('HMGET', KEYS[1], 'w', 'n')
if state[1] then
  local stored = tonumber(state[1])
  if stored >= index then
    index = stored
    used = tonumber(state[2])
  end
end
local window_end = (index + 1) * window
local room = limit - used
if room < 0 then
  room = 0
end

if permits == 0 then
  return {1, 0, room}
end
if permits <= room then
  used = used + permits
  redis.call('HSET', KEYS[1], 'w', index, 'n', used)
  -- At rest once the window is over.
  redis.call('PEXPIRE', KEYS[1], expiry_ms(window_end - now))
  return {1, 0, limit - used}
end
return {0, window_end - now, room}
