package dev.throttle.examples;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a remote price service: answers at once, and fails on a schedule so the examples can show retries,
 * the circuit breaker and the fallback.
 */
final class PriceService {

    private final int failEvery;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicBoolean down = new AtomicBoolean();

    private PriceService(int failEvery) {
        this.failEvery = failEvery;
    }

    /** A service that always answers. */
    static PriceService healthy() {
        return new PriceService(0);
    }

    /** A service whose every third call fails with an {@link IOException}. */
    static PriceService failingEveryThirdCall() {
        return new PriceService(3);
    }

    /** From now on every call fails. */
    void goDown() {
        down.set(true);
    }

    /** How many calls reached the service. */
    int calls() {
        return calls.get();
    }

    /**
     * The price of an item.
     *
     * @param item what to price
     * @return the price as text
     * @throws IOException when this call is one that fails
     */
    String price(String item) throws IOException {
        int call = calls.incrementAndGet();
        if (down.get()) {
            throw new IOException("price service unavailable");
        }
        if (failEvery > 0 && call % failEvery == 0) {
            throw new IOException("connection reset on call " + call);
        }
        return item + " costs 12.50";
    }
}
