-- A fragment, included by bucket.lua (after a settlement and after a grant) and bucket_runs_write.lua, where `span` is
-- how far past now the tat about to be written lies: declares `ms`, the key's expiry, so that the bucket is at rest
-- again once time reaches that tat: the span in milliseconds, rounded up, and at least the configured floor
-- (least_ms). Needs the locals `floor` and `per_ms`.
local ms = floor(span / per_ms)
if ms * per_ms < span then
  ms = ms + 1
end
local least = least_ms + 0
if ms < least then
  ms = least
end
