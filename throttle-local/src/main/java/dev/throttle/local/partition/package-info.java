/**
 * Partitioned concurrency limits: one total limit split into named partitions with guaranteed shares, each partition
 * a {@link dev.throttle.Limiter} of its own, lending idle capacity ({@link dev.throttle.local.partition.PartitionedLimiter.Borrowing#IDLE},
 * the guarantee a priority on released permits) or reserving unused guarantees
 * ({@link dev.throttle.local.partition.PartitionedLimiter.Borrowing#RESERVED}); the total limit is never exceeded in either. See
 * {@link dev.throttle.local.partition.PartitionedLimiter}.
 */
package dev.throttle.local.partition;
