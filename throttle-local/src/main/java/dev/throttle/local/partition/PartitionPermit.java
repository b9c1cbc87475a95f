package dev.throttle.local.partition;

import dev.throttle.local.SlotPermit;

/**
 * A partition's answer: a {@link SlotPermit} on permits of its partition, given back into the shared state.
 */
final class PartitionPermit extends SlotPermit {

    private final Partition partition;

    PartitionPermit(Partition partition, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit) {
        super(partition.name(), granted, permits, retryAfterNanos, remaining, limit);
        this.partition = partition;
    }

    @Override
    protected void giveBack(long permits) {
        partition.release(permits);
    }
}
