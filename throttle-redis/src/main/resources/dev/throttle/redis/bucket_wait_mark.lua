-- A fragment, included by bucket.lua (after a grant that waits for its slot) and bucket_runs_write.lua: records
-- `waits_until`, the latest time a grant of this bucket was reserved to take effect at, in the key bucket_key .. ':w'
-- (the bucket's own hash tag, so the same cluster slot), expiring once that time has passed. A give-back reads it:
-- while a grant waits, taking time off the schedule's end would hand the next request a waiting grant's slot (see
-- bucket.lua's settlement). Written only by grants that wait, so an immediate grant costs nothing more. Needs the
-- locals `floor`, `per_ms`, `least` (the least expiry in milliseconds, a number), `now` and `waits_until`.
local wait_key = bucket_key .. ':w'
local marked = redis.call('GET', wait_key)
if marked then
  marked = marked + 0
  if marked > waits_until then
    waits_until = marked
  end
end
-- At least the configured floor, as the bucket's own expiry: a client clock may run ahead of the server's.
local wait_ms = floor((waits_until - now) / per_ms) + 1
if wait_ms < least then
  wait_ms = least
end
redis.call('SET', wait_key, waits_until, 'PX', wait_ms)
