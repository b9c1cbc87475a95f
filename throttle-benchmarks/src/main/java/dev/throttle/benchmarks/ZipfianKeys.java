package dev.throttle.benchmarks;

import java.util.SplittableRandom;

/**
 * Keys drawn from a Zipfian distribution: key {@code k} (1-based) of {@code n} is drawn with probability proportional
 * to {@code 1 / k^s}. Real traffic per client or per tenant looks like this: a few keys are hot, most are rare. The
 * draws are made once, up front, so a benchmark spends its time on the limiter and not on the generator.
 */
final class ZipfianKeys {

    private final String[] keys;
    private final int[] draws;

    /**
     * Draws the sequence.
     *
     * @param n how many distinct keys
     * @param exponent the skew {@code s}: 0 is uniform, about 1 is typical of web traffic
     * @param length how many draws, a power of two
     * @param seed the random seed, so every implementation sees the same sequence
     */
    ZipfianKeys(int n, double exponent, int length, long seed) {
        if (Integer.bitCount(length) != 1) {
            throw new IllegalArgumentException("length = " + length + " is not a power of two");
        }
        keys = new String[n];
        for (int k = 0; k < n; k++) {
            keys[k] = "client-" + k;
        }
        double[] cumulative = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1.0 / Math.pow(k + 1, exponent);
            cumulative[k] = sum;
        }
        SplittableRandom random = new SplittableRandom(seed);
        draws = new int[length];
        for (int i = 0; i < length; i++) {
            draws[i] = lowestAtLeast(cumulative, random.nextDouble() * sum);
        }
    }

    /**
     * The key of the {@code i}-th draw, wrapping around.
     *
     * @param i any non-negative index
     * @return the key, one of {@code n} strings made up front
     */
    String key(int i) {
        return keys[draws[i & (draws.length - 1)]];
    }

    /**
     * How many distinct keys the sequence touches.
     *
     * @return at most {@code n}
     */
    int distinctDrawn() {
        boolean[] seen = new boolean[keys.length];
        int distinct = 0;
        for (int draw : draws) {
            if (!seen[draw]) {
                seen[draw] = true;
                distinct++;
            }
        }
        return distinct;
    }

    private static int lowestAtLeast(double[] cumulative, double target) {
        int low = 0;
        int high = cumulative.length - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (cumulative[mid] < target) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }
}
