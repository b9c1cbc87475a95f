package dev.throttle.local.adaptive;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The requests and accepts of a sliding window, lock-free: a ring of time buckets. Bucket {@code e} (the ticker's
 * reading divided by the bucket length) lives in slot {@code e mod size}; the first event of a new bucket replaces the
 * stale bucket in its slot by CAS (the only allocation, once per bucket length), and every event is one atomic add on
 * the bucket it belongs to. A reader sums the buckets younger than one window.
 *
 * <p>An event whose reading is older than the bucket now in its slot (its thread read the clock before another
 * thread rotated the slot) is counted in that newer bucket: it is remembered slightly longer, never lost. A thread
 * stalled for a whole window between finding its bucket and adding to it may add to a bucket already replaced; that
 * event is lost, as the window was about to forget it anyway.
 */
final class SreWindow {

    /** One bucket's counts; its epoch never changes, a new epoch gets a new bucket. */
    static final class Bucket {
        private static final VarHandle REQUESTS;
        private static final VarHandle ACCEPTS;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                REQUESTS = lookup.findVarHandle(Bucket.class, "requests", long.class);
                ACCEPTS = lookup.findVarHandle(Bucket.class, "accepts", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final long epoch;
        @SuppressWarnings("unused") // accessed through REQUESTS
        private volatile long requests;
        @SuppressWarnings("unused") // accessed through ACCEPTS
        private volatile long accepts;

        Bucket(long epoch) {
            this.epoch = epoch;
        }

        /**
         * Accepts are added before their requests, so a concurrent reader sees at worst one accept too many, which can
         * only lower the probability it computes for that instant, never refuse a request it should not.
         */
        void add(long requestCount, long acceptCount) {
            if (acceptCount != 0L) {
                ACCEPTS.getAndAdd(this, acceptCount);
            }
            REQUESTS.getAndAdd(this, requestCount);
        }
    }

    private final long bucketNanos;
    private final int size;
    private final AtomicReferenceArray<Bucket> ring;

    SreWindow(long bucketNanos, int size, long now) {
        this.bucketNanos = bucketNanos;
        this.size = size;
        this.ring = new AtomicReferenceArray<>(size);
        long epoch = epochOf(now);
        for (int i = 0; i < size; i++) {
            // Epochs already out of the window, so the ring starts empty and every slot holds a bucket.
            ring.set(i, new Bucket(epoch - size - i));
        }
    }

    long bucketNanos() {
        return bucketNanos;
    }

    long epochOf(long now) {
        return Math.floorDiv(now, bucketNanos);
    }

    /** Counts events at {@code now}. */
    void record(long now, long requests, long accepts) {
        bucketFor(epochOf(now)).add(requests, accepts);
    }

    private Bucket bucketFor(long epoch) {
        int slot = (int) Math.floorMod(epoch, (long) size);
        for (;;) {
            Bucket current = ring.get(slot);
            if (current.epoch >= epoch) {
                return current;
            }
            Bucket fresh = new Bucket(epoch);
            if (ring.compareAndSet(slot, current, fresh)) {
                return fresh;
            }
        }
    }

    /**
     * The probability of a local refusal at {@code now}: {@code max(0, (requests − k·accepts) / (requests + 1))} over
     * the window ending at {@code now}. Allocation-free.
     */
    double rejectionProbability(long now, double k) {
        long oldest = epochOf(now) - size;
        long requests = 0L;
        long accepts = 0L;
        for (int i = 0; i < size; i++) {
            Bucket bucket = ring.get(i);
            if (bucket.epoch > oldest) {
                // Requests before accepts: as writers add accepts first, an accepted request is never seen without
                // its accept, so a racing reader never computes a higher probability than the counts justify.
                requests += (long) Bucket.REQUESTS.getVolatile(bucket);
                accepts += (long) Bucket.ACCEPTS.getVolatile(bucket);
            }
        }
        return probability(requests, accepts, k);
    }

    static double probability(long requests, long accepts, double k) {
        return Math.max(0.0, (requests - k * accepts) / (requests + 1.0));
    }

    /**
     * Sums the buckets of the window ending at {@code now}.
     *
     * @return requests at 0 and accepts at 1
     */
    long[] totals(long now) {
        long oldest = epochOf(now) - size;
        long[] totals = new long[2];
        for (int i = 0; i < size; i++) {
            Bucket bucket = ring.get(i);
            if (bucket.epoch > oldest) {
                totals[0] += (long) Bucket.REQUESTS.getVolatile(bucket);
                totals[1] += (long) Bucket.ACCEPTS.getVolatile(bucket);
            }
        }
        return totals;
    }
}
