package dev.throttle.local.adaptive;

import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The default source of random draws: {@link ThreadLocalRandom#current()} looked up at every draw, on the drawing
 * thread. Capturing the instance once, in a builder, would make every thread that never called {@code current()}
 * itself draw from an unseeded state that is the same in every JVM, so a fleet would draw the same numbers.
 */
final class ThreadLocalDraws implements RandomGenerator {

    /** The one instance: it holds no state. */
    static final RandomGenerator INSTANCE = new ThreadLocalDraws();

    private ThreadLocalDraws() {
    }

    @Override
    public long nextLong() {
        return ThreadLocalRandom.current().nextLong();
    }

    @Override
    public long nextLong(long bound) {
        return ThreadLocalRandom.current().nextLong(bound);
    }

    @Override
    public String toString() {
        return "ThreadLocalRandom";
    }
}
