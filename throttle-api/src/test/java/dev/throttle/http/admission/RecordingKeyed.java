package dev.throttle.http.admission;

import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A keyed limiter for the core's tests: every key shares one limiter, and the keys asked for are recorded. */
final class RecordingKeyed implements KeyedLimiter<String> {

    final Limiter limiter;
    final List<String> keys = new ArrayList<>();

    RecordingKeyed(Limiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public String name() {
        return limiter.name();
    }

    @Override
    public LimitSpec spec() {
        return limiter.spec();
    }

    @Override
    public Limiter forKey(String key) {
        keys.add(key);
        return limiter;
    }

    @Override
    public Permit tryAcquire(String key, long permits) {
        return forKey(key).tryAcquire(permits);
    }

    @Override
    public boolean allow(String key, long permits) {
        return tryAcquire(key, permits).granted();
    }

    @Override
    public Permit acquire(String key, long permits, Duration maxWait) {
        return tryAcquire(key, permits);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(String key, long permits, Duration maxWait) {
        return CompletableFuture.completedFuture(tryAcquire(key, permits));
    }

    @Override
    public long estimatedSize() {
        return keys.size();
    }
}
