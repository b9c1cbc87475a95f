-- Entry of a single-algorithm script: the algorithm file before this one set `entry` to its function.
return entry(KEYS, argv_from(8), request())
