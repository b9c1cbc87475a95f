package dev.throttle.local.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PartitionedLimiterBadInputTest {

    private final ManualClock clock = new ManualClock();

    private PartitionedLimiter.Builder builder(long limit) {
        return PartitionedLimiter.builder("api", limit).scheduler(clock);
    }

    @Test
    void sharesOutsideZeroToOneAreRefused() {
        for (double share : new double[] {0.0, -0.1, 1.0000001, 2.0, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> builder(10).partition("a", share))
                    .as("share %s", share)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("share = " + share)
                    .hasMessageContaining("(0, 1]");
        }
        assertThat(builder(10).partition("a", 1.0).build().part("a").guarantee()).isEqualTo(10);
    }

    @Test
    void sharesSummingAboveOneAreRefusedExactly() {
        assertThatThrownBy(() -> builder(10).partition("a", 0.7).partition("b", 0.31).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shares sum to 1.01")
                .hasMessageContaining("(0, 1]");
        // 0.1 + 0.2 + 0.7 is 1.0000000000000002 in doubles, exactly 1 as decimals
        PartitionedLimiter exact = builder(10).partition("a", 0.1).partition("b", 0.2).partition("c", 0.7).build();
        assertThat(exact.parts()).extracting(Partition::guarantee).containsExactly(1L, 2L, 7L);
    }

    @Test
    void partitionNamesMustBeGivenAndUnique() {
        assertThatThrownBy(() -> builder(10).partition(null, 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitionName");
        assertThatThrownBy(() -> builder(10).partition("", 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitionName");
        assertThatThrownBy(() -> builder(10).partition("a", 0.2).partition("a", 0.3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partitionName = a")
                .hasMessageContaining("duplicate");
    }

    @Test
    void unknownPartitionIsRefused() {
        PartitionedLimiter limiter = builder(10).partition("premium", 0.5).build();
        assertThatThrownBy(() -> limiter.partition("gold"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partitionName = gold")
                .hasMessageContaining("[premium]");
        assertThatThrownBy(() -> limiter.partition(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitionName");
    }

    @Test
    void limitMustCoverOnePermitPerPartitionAndFitAnInt() {
        assertThatThrownBy(() -> builder(2).partition("a", 0.3).partition("b", 0.3).partition("c", 0.3).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit = 2")
                .hasMessageContaining("[3, " + Integer.MAX_VALUE + "]");
        assertThatThrownBy(() -> builder(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit = 0");
        assertThatThrownBy(() -> builder(Integer.MAX_VALUE + 1L))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit");
        assertThatThrownBy(() -> builder(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partitions = 0");
    }

    @Test
    void builderRefusesOtherNonsense() {
        assertThatThrownBy(() -> PartitionedLimiter.builder(null, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> PartitionedLimiter.builder("", 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> builder(10).scheduler(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scheduler");
        assertThatThrownBy(() -> builder(10).borrowing(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("borrowing must not be null");
        assertThatThrownBy(() -> builder(10).partition("a", 0.5, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxQueue = -1");
    }

    @Test
    void setLimitRefusesALimitBelowThePartitionCountAndChangesNothing() {
        PartitionedLimiter limiter = builder(10).partition("a", 0.5).partition("b", 0.5).build();
        assertThatThrownBy(() -> limiter.setLimit(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit = 1")
                .hasMessageContaining("[2, ");
        assertThatThrownBy(() -> limiter.setLimit(Integer.MAX_VALUE + 1L))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.limit()).isEqualTo(10);
        assertThat(limiter.part("a").guarantee()).isEqualTo(5);
    }

    @Test
    void requestsOutsideOneToTheCeilingAreRefusedBeforeTouchingState() {
        PartitionedLimiter limiter = builder(10).borrowing(PartitionedLimiter.Borrowing.RESERVED)
                .partition("premium", 0.5, 4).partition("standard", 0.2).build();
        Partition premium = limiter.part("premium");
        assertThatThrownBy(() -> premium.tryAcquire(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits = 0")
                .hasMessageContaining("[1, 8]");
        assertThatThrownBy(() -> premium.tryAcquire(9))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 8]");
        assertThatThrownBy(() -> premium.acquireAsync(9, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 8]");
        assertThatThrownBy(() -> premium.acquire(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> premium.acquireAsync(1, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> premium.acquireAsync(1, Duration.ofDays(4000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void underIdleBorrowingTheCeilingOfEveryPartitionIsTheWholeLimit() {
        PartitionedLimiter limiter = builder(10).partition("premium", 0.7, 4).partition("standard", 0.3).build();
        Partition standard = limiter.part("standard");
        assertThat(standard.limit()).isEqualTo(10);
        assertThatThrownBy(() -> standard.tryAcquire(11))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 10]");
        assertThatThrownBy(() -> limiter.partition("premium").acquireAsync(11, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 10]");
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).isZero();
    }
}
