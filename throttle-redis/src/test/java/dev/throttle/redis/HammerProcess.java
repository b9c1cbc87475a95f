package dev.throttle.redis;

import dev.throttle.FixedWindow;
import dev.throttle.RateLimiter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The second JVM of {@link RedisTwoProcessTest}: hammers one fixed-window key with a few threads, each on its own
 * connection and engine, and prints the permits it was granted. Arguments: the Redis URI, the key prefix, the limiter's
 * name, the window's limit, the number of threads, the requests per thread.
 */
public final class HammerProcess {

    private HammerProcess() {
    }

    /**
     * Runs the hammer.
     *
     * @param args uri, prefix, name, limit, threads, requests per thread
     * @throws InterruptedException if interrupted while joining the threads
     */
    public static void main(String[] args) throws InterruptedException {
        RedisURI uri = RedisURI.create(args[0]);
        String prefix = args[1];
        String name = args[2];
        long limit = Long.parseLong(args[3]);
        int threads = Integer.parseInt(args[4]);
        int requests = Integer.parseInt(args[5]);
        System.out.println("granted " + hammer(uri, prefix, name, limit, threads, requests));
    }

    /** Runs {@code threads} threads, each with its own client connection; returns the permits granted. */
    static long hammer(RedisURI uri, String prefix, String name, long limit, int threads, int requests)
            throws InterruptedException {
        RedisClient client = RedisClient.create();
        AtomicLong granted = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(() -> {
                    try (RedisEngine engine = RedisEngine.builder(client, uri).keyPrefix(prefix)
                            .decisionTimeout(Duration.ofSeconds(10)).build()) {
                        RateLimiter limiter = engine.rateLimiter(name, FixedWindow.of(limit, Duration.ofDays(3650)));
                        for (int i = 0; i < requests; i++) {
                            if (limiter.allow()) {
                                granted.incrementAndGet();
                            }
                        }
                    }
                });
                workers.add(worker);
                worker.start();
            }
            for (Thread worker : workers) {
                worker.join(60_000);
            }
        } finally {
            client.shutdown();
        }
        return granted.get();
    }
}
