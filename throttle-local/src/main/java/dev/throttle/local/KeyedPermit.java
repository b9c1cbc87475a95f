package dev.throttle.local;

import dev.throttle.ForwardingPermit;
import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A granted permit of one key's limiter, as a keyed limiter hands it out: it behaves as the key's own permit and
 * tells the keyed limiter when it ends (so a concurrency key may be forgotten once its last permit is closed) and
 * when it is settled above its estimate (so a rate key in debt is kept until the debt is paid).
 */
final class KeyedPermit<K> extends ForwardingPermit {

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
    @SuppressWarnings("unused") // accessed through ENDED
    private volatile boolean ended;

    KeyedPermit(LocalKeyedLimiter<K> owner, K key, KeyEntry entry, Permit delegate) {
        super(delegate);
        this.owner = owner;
        this.key = key;
        this.entry = entry;
    }

    @Override
    public void close() {
        super.close();
        ended();
    }

    @Override
    public void dropped() {
        super.dropped();
        ended();
    }

    @Override
    public void settle(long actualPermits) {
        super.settle(actualPermits);
        if (actualPermits > permits()) {
            owner.indebted(key, entry, actualPermits - permits());
        }
    }

    private void ended() {
        // Only the first end counts: closing is idempotent.
        if (ENDED.compareAndSet(this, false, true)) {
            owner.released(key, entry);
        }
    }
}
