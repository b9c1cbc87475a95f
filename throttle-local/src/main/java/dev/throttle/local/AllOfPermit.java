package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The grant of an all-of composite: one granted permit per part, ended and settled together. */
final class AllOfPermit implements Permit {

    private static final VarHandle SETTLED;

    static {
        try {
            SETTLED = MethodHandles.lookup().findVarHandle(AllOfPermit.class, "settled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Permit[] parts;
    private final long permits;
    /** The part with the fewest permits left: it gives {@link #remaining()} and {@link #limit()}. */
    private final Permit tightest;
    @SuppressWarnings("unused") // accessed through SETTLED
    private volatile boolean settled;

    AllOfPermit(String name, Permit[] parts, long permits) {
        this.name = name;
        this.parts = parts;
        this.permits = permits;
        Permit min = parts[0];
        for (Permit part : parts) {
            if (part.remaining() < min.remaining()) {
                min = part;
            }
        }
        this.tightest = min;
    }

    /** The grant of part {@code index}, in the order the parts were asked. */
    Permit part(int index) {
        return parts[index];
    }

    @Override
    public boolean granted() {
        return true;
    }

    @Override
    public long permits() {
        return permits;
    }

    @Override
    public long retryAfterNanos() {
        return 0L;
    }

    @Override
    public long remaining() {
        return tightest.remaining();
    }

    @Override
    public long limit() {
        return tightest.limit();
    }

    @Override
    public String limiter() {
        return name;
    }

    @Override
    public void close() {
        for (Permit part : parts) {
            part.close();
        }
    }

    @Override
    public void dropped() {
        for (Permit part : parts) {
            part.dropped();
        }
    }

    @Override
    public void settle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
        if (!SETTLED.compareAndSet(this, false, true)) {
            throw new IllegalStateException("permit of " + name + " already settled");
        }
        for (Permit part : parts) {
            part.settle(actualPermits);
        }
    }

    @Override
    public String toString() {
        return "Permit[" + name + ": granted " + permits + ", remaining " + remaining() + "/" + limit() + "]";
    }
}
