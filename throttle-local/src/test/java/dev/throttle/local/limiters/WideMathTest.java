package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WideMathTest {

    @Test
    void smallProductsRoundDownAndUp() {
        assertThat(WideMath.mulDivFloor(10, 750, 1000)).isEqualTo(7);
        assertThat(WideMath.mulDivCeil(10, 750, 1000)).isEqualTo(8);
        assertThat(WideMath.mulDivCeil(10, 700, 1000)).isEqualTo(7);
        assertThat(WideMath.mulDivCeil(0, 700, 1000)).isZero();
    }

    @Test
    void overflowingProductsAreExact() {
        long max = Long.MAX_VALUE;
        assertThat(WideMath.mulDivFloor(max, max - 1, max)).isEqualTo(max - 1);
        assertThat(WideMath.mulDivCeil(max, max - 1, max)).isEqualTo(max - 1);
        assertThat(WideMath.mulDivFloor(max, 3, 4)).isEqualTo(reference(max, 3, 4, false));
        assertThat(WideMath.mulDivCeil(max - 2, max - 5, max - 1)).isEqualTo(reference(max - 2, max - 5, max - 1, true));
    }

    @Test
    void matchesBigIntegerOnRandomOperands() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            long c = 1 + random.nextLong(randomBound(random));
            long a;
            long b;
            if (random.nextBoolean()) {
                a = random.nextLong(randomBound(random)); // any a, b <= c
                b = random.nextLong(c + 1);
            } else {
                a = random.nextLong(c); // a < c, any b
                b = random.nextLong(randomBound(random));
            }
            assertThat(WideMath.mulDivFloor(a, b, c)).as("floor(%d*%d/%d)", a, b, c)
                    .isEqualTo(reference(a, b, c, false));
            assertThat(WideMath.mulDivCeil(a, b, c)).as("ceil(%d*%d/%d)", a, b, c)
                    .isEqualTo(reference(a, b, c, true));
        }
    }

    /** Bounds spread over all magnitudes, so both the 63-bit path and the wide path are exercised. */
    private static long randomBound(SplittableRandom random) {
        return 1L << (1 + random.nextInt(62));
    }

    private static long reference(long a, long b, long c, boolean up) {
        BigInteger[] quotientAndRemainder = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))
                .divideAndRemainder(BigInteger.valueOf(c));
        BigInteger quotient = quotientAndRemainder[0];
        if (up && quotientAndRemainder[1].signum() != 0) {
            quotient = quotient.add(BigInteger.ONE);
        }
        return quotient.longValueExact();
    }
}
