-- The rate factor of a bucket that follows a shared rate (RedisSharedRate): a fragment, included by bucket.lua and
-- bucket_batch.lua after their locals are set. It reads rate_key (nil for a bucket of its own rate) and, when it holds
-- a factor, rescales the locals interval and tolerance as bucket.lua's header explains. Needs `floor`.
if rate_key then
  local factor = tonumber(redis.call('GET', rate_key))
  if factor and factor >= 1 and factor < 1000000 and factor == floor(factor) then
    -- The tolerance is capacity x interval exactly, so this quotient is exact.
    local most = floor(4503599627370496 / (tolerance / interval))
    -- interval x 10^6 / factor may pass 2^53, so in two exact steps: interval = q x factor + r, then
    -- ceil(interval x 10^6 / factor) = q x 10^6 + ceil(r x 10^6 / factor), with r x 10^6 below 10^12.
    local q = floor(interval / factor)
    local r = interval - q * factor
    if r < 0 then
      q = q - 1
      r = r + factor
    elseif r >= factor then
      q = q + 1
      r = r - factor
    end
    r = r * 1000000
    local up = floor(r / factor)
    if up * factor < r then
      up = up + 1
    elseif (up - 1) * factor >= r then
      up = up - 1
    end
    interval = q * 1000000 + up
    if interval > most then
      interval = most
    end
    if tolerance < interval then
      tolerance = interval
    end
  end
end
