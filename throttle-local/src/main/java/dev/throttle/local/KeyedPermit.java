package dev.throttle.local;

import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A granted permit of one key's limiter, as a keyed limiter hands it out: it behaves as the key's own permit and
 * tells the keyed limiter when it ends (so a concurrency key may be forgotten once its last permit is closed) and
 * when it is settled above its estimate (so a rate key in debt is kept until the debt is paid).
 */
final class KeyedPermit<K> implements Permit {

    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(KeyedPermit.class, "ended", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LocalKeyedLimiter<K> owner;
    private final K key;
    private final KeyEntry entry;
    private final Permit delegate;
    @SuppressWarnings("unused") // accessed through ENDED
    private volatile boolean ended;

    KeyedPermit(LocalKeyedLimiter<K> owner, K key, KeyEntry entry, Permit delegate) {
        this.owner = owner;
        this.key = key;
        this.entry = entry;
        this.delegate = delegate;
    }

    @Override
    public boolean granted() {
        return delegate.granted();
    }

    @Override
    public long permits() {
        return delegate.permits();
    }

    @Override
    public long retryAfterNanos() {
        return delegate.retryAfterNanos();
    }

    @Override
    public long remaining() {
        return delegate.remaining();
    }

    @Override
    public long limit() {
        return delegate.limit();
    }

    @Override
    public String limiter() {
        return delegate.limiter();
    }

    @Override
    public void close() {
        delegate.close();
        ended();
    }

    @Override
    public void dropped() {
        delegate.dropped();
        ended();
    }

    @Override
    public void settle(long actualPermits) {
        delegate.settle(actualPermits);
        if (actualPermits > delegate.permits()) {
            owner.indebted(key, entry, actualPermits - delegate.permits());
        }
    }

    private void ended() {
        // Only the first end counts: closing is idempotent.
        if (ENDED.compareAndSet(this, false, true)) {
            owner.released(key, entry);
        }
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
