package dev.throttle.benchmarks.accuracy;

import java.util.ArrayDeque;

/** What a run's grants say about a limiter's accuracy, against an exact limit of {@code limit} per window. */
final class WindowCounts {

    private WindowCounts() {
    }

    /**
     * The most grants certainly inside one window of the given length: an exact limiter never goes above its limit.
     * A limiter reads its own clock at some instant between the two readings taken around its decision, so grants
     * {@code i..j} certainly lie within one window when the reading after {@code j} minus the reading before {@code i}
     * is less than the window; counting only those never blames a limiter for the measurement's own jitter.
     *
     * @param from the readings just before each grant, ascending
     * @param until the readings just after each grant, ascending
     * @param windowNanos the window's length
     * @return the largest number of grants certainly within one window
     */
    static int worstWindow(long[] from, long[] until, long windowNanos) {
        int worst = 0;
        int first = 0;
        for (int last = 0; last < until.length; last++) {
            while (until[last] - from[first] >= windowNanos) {
                first++;
            }
            worst = Math.max(worst, last - first + 1);
        }
        return worst;
    }

    /**
     * What an exact sliding limit would have granted of the same requests: each request is granted when fewer than
     * {@code limit} grants lie in the window before it. This is the ideal the run is compared with: as many grants as
     * the demand allows, never more than {@code limit} in any window.
     *
     * @param attemptNanos request times, ascending
     * @param limit the most grants per window
     * @param windowNanos the window's length
     * @return the number an exact limiter grants
     */
    static int idealGrants(long[] attemptNanos, int limit, long windowNanos) {
        ArrayDeque<Long> window = new ArrayDeque<>();
        int granted = 0;
        for (long at : attemptNanos) {
            while (!window.isEmpty() && at - window.peekFirst() >= windowNanos) {
                window.pollFirst();
            }
            if (window.size() < limit) {
                window.addLast(at);
                granted++;
            }
        }
        return granted;
    }
}
