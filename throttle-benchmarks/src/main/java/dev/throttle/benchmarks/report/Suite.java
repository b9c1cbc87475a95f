package dev.throttle.benchmarks.report;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The benchmark suites the report runs: each a JMH include pattern. */
enum Suite {

    /** Every local algorithm, granted and refused, beside the floor; the bulkhead. */
    LOCAL("LocalRateLimiterBenchmark|FloorBenchmark|ConcurrencyLimiterBenchmark"),

    /** This library beside Bucket4j, Resilience4j (rate limiter, bulkhead, circuit breaker), Guava and Netflix
     * concurrency-limits, and the floor. */
    PEERS("PeerRateLimiterBenchmark|PeerConcurrencyBenchmark|PeerCircuitBreakerBenchmark|AdaptiveConcurrencyBenchmark"
            + "|FloorBenchmark"),

    /** A keyed limiter over a million keys drawn from a Zipfian distribution, beside Bucket4j's per-key buckets. */
    KEYED("KeyedLimiterBenchmark"),

    /**
     * The Redis engine beside Bucket4j's Lettuce proxy manager and a bare EVALSHA floor; the cost of waiting for a
     * replica's acknowledgement.
     */
    REDIS("RedisRateLimiterBenchmark|RedisLeasedBenchmark|RedisReplicaAckBenchmark"),

    /** Not JMH: permits admitted under a bursty load against the ideal, for every algorithm and every peer. */
    ACCURACY(""),

    /** Every JMH benchmark. */
    ALL(".*");

    private final String include;

    Suite(String include) {
        this.include = include;
    }

    /**
     * The JMH include pattern.
     *
     * @return a regular expression over benchmark names
     */
    String include() {
        return include;
    }

    /**
     * The suite of a command-line name.
     *
     * @param name a suite's name, any case
     * @return the suite
     * @throws IllegalArgumentException naming the allowed names
     */
    static Suite named(String name) {
        for (Suite suite : values()) {
            if (suite.name().equalsIgnoreCase(name)) {
                return suite;
            }
        }
        throw new IllegalArgumentException("suite = " + name + " is unknown; allowed: " + Arrays.stream(values())
                .map(suite -> suite.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }
}
