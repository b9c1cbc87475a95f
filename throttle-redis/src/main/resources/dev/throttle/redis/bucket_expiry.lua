-- A fragment, included by bucket.lua (after a settlement and after a grant) and bucket_runs_write.lua, where `span` is
-- how far past now the tat about to be written lies: declares `ms`, the key's expiry, so that the bucket is at rest
-- again once time reaches that tat: the span in milliseconds, rounded up, and at least the configured floor. The
-- floor is passed on as given (least_ms, usually the ARGV text), since a number handed to redis.call costs an
-- snprintf to format and a bucket near rest, the common case, takes the floor. Needs the locals `floor`, `per_ms`,
-- `least_ms` and `least` (least_ms as a number).
local ms = floor(span / per_ms)
if ms * per_ms < span then
  ms = ms + 1
end
if ms <= least then
  ms = least_ms
end
