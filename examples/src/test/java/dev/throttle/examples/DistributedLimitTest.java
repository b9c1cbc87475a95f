package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the distributed example's two worker JVMs against a real Redis and checks the fleet got exactly the limit. */
class DistributedLimitTest {

    @Test
    void twoProcessesTogetherGetExactlyTheSharedLimit() throws Exception {
        try (ExampleRedis redis = ExampleRedis.start()) {
            List<Long> granted = DistributedLimit.runWorkers(redis.uri(), 2);

            assertThat(granted).hasSize(2);
            assertThat(granted.get(0) + granted.get(1)).isEqualTo(DistributedLimit.LIMIT);
            assertThat(granted).allMatch(count -> count >= 0 && count <= DistributedLimit.LIMIT);
        }
    }
}
