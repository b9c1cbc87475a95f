package dev.throttle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SpecValidationTest {

    @Test
    void rateIntervalIsRoundedUpSoTheRateIsNeverExceeded() {
        assertThat(Rate.perSecond(10).intervalNanos()).isEqualTo(100_000_000L);
        assertThat(Rate.perSecond(3).intervalNanos()).isEqualTo(333_333_334L);
        assertThat(Rate.of(1, Duration.ofNanos(1)).intervalNanos()).isEqualTo(1L);
    }

    @Test
    void rateRefusesZeroPermitsAndImpossiblePeriods() {
        assertThatIllegalArgumentException().isThrownBy(() -> Rate.perSecond(0))
                .withMessage("permits = 0 is out of range; allowed range is [1, 9223372036854775807]");
        assertThatIllegalArgumentException().isThrownBy(() -> Rate.of(2, Duration.ofNanos(1)))
                .withMessageContaining("permits = 2").withMessageContaining("allowed range is [1, 1]");
        assertThatIllegalArgumentException().isThrownBy(() -> Rate.of(1, Duration.ofSeconds(Long.MAX_VALUE)))
                .withMessageStartingWith("period = ").withMessageContaining("overflows nanoseconds");
        assertThatIllegalArgumentException().isThrownBy(() -> Rate.of(1, Duration.ofDays(3651)))
                .withMessageStartingWith("period = ").withMessageContaining("allowed range");
        assertThatIllegalArgumentException().isThrownBy(() -> Rate.of(1, null))
                .withMessage("period must not be null");
    }

    @Test
    void windowSpecsRefuseNonPositiveLimitsAndWindows() {
        assertThatIllegalArgumentException().isThrownBy(() -> FixedWindow.of(0, Duration.ofSeconds(1)))
                .withMessageStartingWith("limit = 0");
        assertThatIllegalArgumentException().isThrownBy(() -> SlidingWindow.of(5, Duration.ZERO))
                .withMessageStartingWith("window = PT0S");
        assertThatIllegalArgumentException().isThrownBy(() -> SlidingLog.of(SlidingLog.MAX_LIMIT + 1, Duration.ofSeconds(1)))
                .withMessageContaining("allowed range is [1, 1048576]");
        assertThatIllegalArgumentException().isThrownBy(() -> FixedWindow.of(1, Duration.ofMillis(-1)))
                .withMessageStartingWith("window = PT-0.001S");
    }

    @Test
    void bucketsRefuseCapacitiesThatWouldTakeLongerThanTenYearsToDrain() {
        assertThatIllegalArgumentException().isThrownBy(() -> TokenBucket.of(Long.MAX_VALUE, Rate.perSecond(1)))
                .withMessageStartingWith("capacity = 9223372036854775807").withMessageContaining("allowed range is [1, ");
        assertThat(TokenBucket.of(10, Rate.perSecond(100)).restNanos()).isEqualTo(100_000_000L);
    }

    @Test
    void leakyBucketModesAgreeWithTheirCapacity() {
        LeakyBucket shaping = LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(250));
        assertThat(shaping.capacity()).isEqualTo(3);
        assertThat(shaping.mode()).isEqualTo(LeakyBucket.Mode.SHAPING);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new LeakyBucket(5, Rate.perSecond(10), LeakyBucket.Mode.SHAPING, Duration.ofMillis(250)))
                .withMessageStartingWith("capacity = 5").withMessageContaining("allowed range is [3, 3]");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new LeakyBucket(5, Rate.perSecond(10), LeakyBucket.Mode.METER, Duration.ofMillis(1)))
                .withMessageStartingWith("maxDelay = PT0.001S");
    }

    @Test
    void concurrencyRefusesOutOfRangeLimitsAndQueues() {
        assertThatIllegalArgumentException().isThrownBy(() -> Concurrency.of(0))
                .withMessage("limit = 0 is out of range; allowed range is [1, 2147483647]");
        assertThatIllegalArgumentException().isThrownBy(() -> Concurrency.of(1, -1))
                .withMessage("maxQueue = -1 is out of range; allowed range is [0, 2147483647]");
        assertThatIllegalArgumentException().isThrownBy(() -> new Concurrency(1, 0, null))
                .withMessage("order must not be null");
    }

    @Test
    void specsAreValues() {
        assertThat(FixedWindow.of(5, Duration.ofSeconds(1))).isEqualTo(FixedWindow.of(5, Duration.ofSeconds(1)));
        assertThat(TokenBucket.of(5, Rate.perSecond(1)).hashCode())
                .isEqualTo(TokenBucket.of(5, Rate.perSecond(1)).hashCode());
        assertThat(SlidingWindow.of(5, Duration.ofSeconds(1)).restNanos()).isEqualTo(2_000_000_000L);
    }
}
