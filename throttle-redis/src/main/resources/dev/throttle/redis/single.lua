-- Entry of a single-algorithm script: the algorithm file before this one set `entry` to its function; its
-- parameters are ARGV[8...], read in place.
return entry(KEYS, ARGV, 7, request())
