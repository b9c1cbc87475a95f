package dev.throttle.http.admission;

import dev.throttle.FixedWindow;
import dev.throttle.ImmediateLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.testing.SimplePermit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A deterministic limiter for the core's tests: {@code limit} permits in use at most (a permit is in use until closed,
 * dropped or settled to zero), a fixed retry time on refusals, and a record of every permit it issued.
 */
final class CountingLimiter extends ImmediateLimiter {

    final String name;
    final long limit;
    final long retryAfterNanos;
    final LimitSpec spec;
    final AtomicLong inUse = new AtomicLong();
    final List<RecordingPermit> issued = new ArrayList<>();

    CountingLimiter(String name, long limit, long retryAfterNanos) {
        this(name, limit, retryAfterNanos, FixedWindow.of(limit, Duration.ofSeconds(60)));
    }

    CountingLimiter(String name, long limit, long retryAfterNanos, LimitSpec spec) {
        this.name = name;
        this.limit = limit;
        this.retryAfterNanos = retryAfterNanos;
        this.spec = spec;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    @Override
    public synchronized Permit tryAcquire(long permits) {
        long used = inUse.get();
        RecordingPermit permit = used + permits <= limit
                ? new RecordingPermit(true, permits, 0L, limit - used - permits)
                : new RecordingPermit(false, permits, retryAfterNanos, limit - used);
        if (permit.granted()) {
            inUse.addAndGet(permits);
        }
        issued.add(permit);
        return permit;
    }

    @Override
    public long availablePermits() {
        return limit - inUse.get();
    }

    /** A permit that counts how it was ended. */
    final class RecordingPermit extends SimplePermit {
        final AtomicLong closes = new AtomicLong();
        final AtomicLong drops = new AtomicLong();
        final AtomicLong settledTo = new AtomicLong(-1);
        private boolean released;

        RecordingPermit(boolean granted, long permits, long retryAfterNanos, long remaining) {
            super(name, granted, permits, retryAfterNanos, remaining, limit);
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            release();
        }

        @Override
        public void dropped() {
            drops.incrementAndGet();
            release();
        }

        @Override
        public void settle(long actualPermits) {
            if (claimSettle(actualPermits)) {
                settledTo.set(actualPermits);
            }
        }

        private synchronized void release() {
            if (granted() && !released) {
                released = true;
                inUse.addAndGet(-permits());
            }
        }
    }
}
