-- A fragment, included by bucket.lua, bucket_batch.lua and multi.lua right after they GET a bucket's key into the
-- local `tat`: turns it into a number (now when absent: a bucket at rest). The buckets write their tat as the 8 bytes
-- of a big-endian double (struct.pack('>d'), exact for every integer below 2^53), not as decimal text: formatting a
-- number for redis.call is an snprintf('%.17g') and parsing text a strtod, about a tenth of the server's time per
-- decision when many keys share a call. A value that starts like a decimal number ('-' or a digit, which the first
-- byte of a packed integer never is: it holds the sign and the exponent's high bits) is read as text, so keys written
-- by an earlier version, in decimal, keep their meaning. Needs the locals `byte` (string.byte),
-- `unpack_double` (struct.unpack) and `now`.
if tat then
  local first = byte(tat)
  if first >= 45 and first <= 57 then
    tat = tat + 0
  else
    tat = unpack_double('>d', tat)
  end
else
  tat = now
end
