-- A fragment, included by bucket_batch.lua and multi.lua after a bucket's runs: writes its state as bucket.lua writes
-- after a grant, at rest again once time reaches the tat (the expiry that span in milliseconds, rounded up, at least
-- the configured floor), if any request changed it.
if written then
  -- As bucket.lua writes after a grant: at rest again once time reaches the tat.
  local span = state - now
  local ms = floor(span / per_ms)
  if ms * per_ms < span then
    ms = ms + 1
  end
  local least = least_ms + 0
  if ms < least then
    ms = least
  end
  redis.call('SET', bucket_key, state, 'PX', ms)
end
