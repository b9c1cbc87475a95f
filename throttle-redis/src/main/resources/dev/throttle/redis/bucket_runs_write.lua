-- A fragment, included by bucket_batch.lua and multi.lua after a bucket's runs: writes its state as bucket.lua writes
-- after a grant, at rest again once time reaches the tat (the expiry that span in milliseconds, rounded up, at least
-- the configured floor), if any request changed it.
if written then
  local span = state - now
--#include bucket_expiry.lua
  redis.call('SET', bucket_key, pack_double('>d', state), 'PX', ms)
  if waits_until then
--#include bucket_wait_mark.lua
  end
end
