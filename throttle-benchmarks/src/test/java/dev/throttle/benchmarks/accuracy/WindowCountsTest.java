package dev.throttle.benchmarks.accuracy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The accuracy suite's arithmetic, on times made by hand (window: 10 ns, limit: 3). */
class WindowCountsTest {

    @Test
    void theWorstWindowCountsOnlyGrantsCertainlyInsideOneWindow() {
        long[] at = {0, 2, 4, 9, 10, 19};

        // Exact readings: [0, 10) holds 0, 2, 4, 9.
        assertThat(WindowCounts.worstWindow(at, at, 10)).isEqualTo(4);
        // Each decision took 2 ns to answer: no four grants lie certainly inside one window any more (0..9 spans 0 to
        // 11; 2..10 spans 2 to 12).
        long[] after = {2, 4, 6, 11, 12, 21};
        assertThat(WindowCounts.worstWindow(at, after, 10)).isEqualTo(3);
    }

    @Test
    void theIdealGrantsAtMostTheLimitInAnyWindowAndEverythingElseItCan() {
        long[] attempts = {0, 0, 0, 0, 5, 10, 10, 11, 25};

        // 0,0,0 granted; 0 and 5 refused; 10,10,11 granted (the first three left the window at 10); 25 granted.
        assertThat(WindowCounts.idealGrants(attempts, 3, 10)).isEqualTo(7);
    }
}
