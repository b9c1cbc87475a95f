package dev.throttle.testing;

import java.util.function.LongUnaryOperator;
import java.util.random.RandomGenerator;

/** Random generators for tests whose draws are scripted: only bounded long draws are expected. */
public final class Draws {

    private Draws() {
    }

    /**
     * A generator whose {@code nextLong(bound)} answers {@code draw.applyAsLong(bound)}; any other draw fails.
     *
     * @param draw the draw for a bound
     * @return the generator
     */
    public static RandomGenerator of(LongUnaryOperator draw) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new AssertionError("an unbounded draw was not expected");
            }

            @Override
            public long nextLong(long bound) {
                return draw.applyAsLong(bound);
            }
        };
    }
}
