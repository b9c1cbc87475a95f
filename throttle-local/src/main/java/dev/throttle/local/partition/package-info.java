/**
 * Partitioned concurrency limits: one total limit split into named partitions with guaranteed shares, each partition
 * a {@link dev.throttle.Limiter} of its own; see {@link dev.throttle.local.partition.PartitionedLimiter}.
 */
package dev.throttle.local.partition;
