package dev.throttle.micrometer;

import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.testing.SimplePermit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A limiter whose asynchronous acquisitions complete only when the test says, and whose futures may ignore a cancel
 * (as an engine's future does when its grant has already won): for the races a real engine cannot be made to lose on
 * demand.
 */
final class ScriptedLimiter implements Limiter {

    /** A future that refuses to be cancelled, as one already granted would. */
    static final class Uncancellable extends CompletableFuture<Permit> {
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return false;
        }
    }

    /** A granted permit recording what was done with it. */
    static final class RecordingPermit extends SimplePermit {
        volatile long settledAt = -1;
        volatile boolean closed;

        RecordingPermit(long permits) {
            super("scripted", true, permits, 0L, 0L, 10L);
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public void dropped() {
            closed = true;
        }

        @Override
        public void settle(long actualPermits) {
            if (claimSettle(actualPermits)) {
                settledAt = actualPermits;
            }
        }
    }

    CompletableFuture<Permit> next = new CompletableFuture<>();

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public LimitSpec spec() {
        return TokenBucket.of(10, Rate.perSecond(1));
    }

    @Override
    public Permit tryAcquire(long permits) {
        throw new UnsupportedOperationException("not scripted");
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        throw new UnsupportedOperationException("not scripted");
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        return next;
    }

    @Override
    public long availablePermits() {
        return 7;
    }
}
