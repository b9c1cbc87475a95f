package dev.throttle.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The check shared by the servlet and Netty queueing tests: requests waiting behind a bucket named {@code orders}
 * ({@code TokenBucket.of(1, Rate.of(1, 10 ms))}, its one permit taken, the requests queued in list order) are
 * answered one per permit, in order, each only when its permit comes, with the RateLimit fields of a grant.
 */
public final class PermitOrder {

    /** The bucket's interval: one permit every 10 ms. */
    public static final Duration INTERVAL = Duration.ofMillis(10);

    private PermitOrder() {
    }

    /**
     * Moves the clock one interval at a time and checks that exactly the next request is answered each time. Request
     * {@code i} is {@code /q?i} and its body must be {@code ok i}.
     *
     * @param waiting the waiting requests' responses, in the order they were queued
     * @param clock the limiter's clock
     * @throws Exception if a response does not come
     */
    public static void answeredOneByOneInOrder(List<CompletableFuture<HttpResponse<String>>> waiting,
            ManualClock clock) throws Exception {
        int count = waiting.size();
        for (int i = 0; i < count; i++) {
            clock.advance(INTERVAL);
            HttpResponse<String> response = waiting.get(i).get(5, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("ok " + i);
            assertThat(response.headers().firstValue("RateLimit-Policy"))
                    .contains("\"orders\";q=100;w=1;throttle-burst=1");
            // t: when a permit not promised to a later waiter comes, after the last reservation, (count + 1) x 10 ms.
            long untilFree = (count - i) * INTERVAL.toMillis();
            assertThat(response.headers().firstValue("RateLimit"))
                    .contains("\"orders\";r=0;t=" + (untilFree + 999) / 1000);
            if (i + 1 < count) {
                assertThat(waiting.get(i + 1)).as("request %d is not answered before its permit", i + 1)
                        .isNotDone();
            }
        }
    }
}
