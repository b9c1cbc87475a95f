package dev.throttle.redis;

import dev.throttle.Ticker;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Durations;
import dev.throttle.kernel.EventLog;
import io.lettuce.core.RedisURI;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * What a {@link RedisEngine} writes to the log (the {@code dev.throttle.redis} logger) about Redis itself: outages and
 * recoveries, never a line per decision.
 *
 * <ul>
 *   <li>WARN when the failure policy starts answering: the first decision Redis could not make since it last
 *   answered, with the cause and what decisions do meanwhile;</li>
 *   <li>WARN when the engine's circuit breaker opens (after consecutive failures, or when a probe fails), so decisions
 *   stop asking Redis for the open duration;</li>
 *   <li>INFO when Redis answers again with the breaker closed: how long it was unavailable, and how many decisions the
 *   policy answered meanwhile;</li>
 *   <li>WARN when the server's {@code maxmemory-policy} may evict limiter keys (read once, on connecting);</li>
 *   <li>WARN when Redis cannot be reached as the engine is built, and INFO when the engine connects at last;</li>
 *   <li>INFO when Redis does not have a script (not loaded yet on a new Cluster node, or lost to a restart, a
 *   failover, {@code SCRIPT FLUSH}) and the engine loads it again.</li>
 * </ul>
 * Each kind of line is rate-limited ({@link EventLog}: at most one every ten seconds, with a count of those left out),
 * so a flapping server cannot flood the log.
 *
 * <p>Lock-free on the decision path: while Redis answers, {@link #answered()} reads one volatile reference.
 */
final class RedisHealth {

    /** Where engines log unless a test says otherwise: the package's logger. */
    static final System.Logger LOGGER = System.getLogger(RedisHealth.class.getPackageName());

    /** An outage: when Redis first failed (on the log's clock), and the decisions the policy answered since. */
    private static final class Outage {
        final long since;
        final AtomicLong policyAnswers;

        Outage(long since, long policyAnswers) {
            this.since = since;
            this.policyAnswers = new AtomicLong(policyAnswers);
        }
    }

    private final String subject;
    private final FailurePolicy policy;
    private final long decisionTimeoutNanos;
    private final long breakerOpenNanos;
    private final System.Logger logger;
    private final Ticker clock;
    private final EventLog log;
    private final AtomicReference<Outage> outage = new AtomicReference<>();

    /**
     * @param subject Redis as the lines name it, such as {@code "Redis at redis://127.0.0.1:6379"}
     * @param clock times outages and the rate limit (the system's, or a test's)
     */
    RedisHealth(String subject, FailurePolicy policy, long decisionTimeoutNanos, long breakerOpenNanos,
            System.Logger logger, Ticker clock) {
        this.subject = subject;
        this.policy = policy;
        this.decisionTimeoutNanos = decisionTimeoutNanos;
        this.breakerOpenNanos = breakerOpenNanos;
        this.logger = logger;
        this.clock = clock;
        this.log = EventLog.of(logger, clock);
    }

    /**
     * Where an engine's Redis is, for its {@code toString()} and its log lines, without credentials:
     * {@code redis://127.0.0.1:6379}, {@code rediss://host:6380/2}, {@code redis-sentinel://s1:26379,s2:26379 (master
     * mymaster)}, {@code redis-socket:///tmp/redis.sock}.
     */
    static String address(RedisURI uri) {
        if (uri.getSocket() != null) {
            return "redis-socket://" + uri.getSocket();
        }
        String database = uri.getDatabase() == 0 ? "" : "/" + uri.getDatabase();
        if (!uri.getSentinels().isEmpty()) {
            StringBuilder sentinels = new StringBuilder(uri.isSsl() ? "rediss-sentinel://" : "redis-sentinel://");
            for (int i = 0; i < uri.getSentinels().size(); i++) {
                RedisURI sentinel = uri.getSentinels().get(i);
                sentinels.append(i == 0 ? "" : ",").append(sentinel.getHost()).append(':').append(sentinel.getPort());
            }
            return sentinels + database + " (master " + uri.getSentinelMasterId() + ")";
        }
        return (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort() + database;
    }

    /**
     * The failure policy answered for want of Redis: Redis failed, timed out, or the breaker is open. The first such
     * answer since Redis last answered starts an outage and is logged; the decisions among them are counted for the
     * line that ends it.
     *
     * @param failure the round trip's failure, or null when the breaker kept the decision from asking Redis
     * @param decision true for a decision, false for an estimate ({@code availablePermits()}), which is not counted
     */
    void policyAnswered(Throwable failure, boolean decision) {
        long count = decision ? 1L : 0L;
        for (;;) {
            Outage current = outage.get();
            if (current != null) {
                current.policyAnswers.addAndGet(count);
                return;
            }
            if (outage.compareAndSet(null, new Outage(clock.read(), count))) {
                warn("unavailable", () -> subject + " is unavailable (" + cause(failure) + "): " + policyText()
                        + " until it answers again");
                return;
            }
        }
    }

    /** Whether an outage is under way: one volatile read, for the decision path. */
    boolean inOutage() {
        return outage.get() != null;
    }

    /** Redis answered a decision and the breaker is closed: an outage under way ends, with one line. */
    void answered() {
        Outage current = outage.get();
        if (current != null && outage.compareAndSet(current, null)) {
            long lasted = clock.read() - current.since;
            long answers = current.policyAnswers.get();
            info("recovered", () -> subject + " answers again after " + Durations.text(lasted)
                    + " unavailable: decisions are made by Redis again; " + answers
                    + (answers == 1L ? " decision was" : " decisions were") + " answered by the failure policy ("
                    + policy.text() + ") meanwhile");
        }
    }

    /**
     * The breaker opened.
     *
     * @param failures the consecutive failures that opened it, or 0 when a probe failed
     * @param failure the failure that opened it
     */
    void breakerOpened(int failures, Throwable failure) {
        String what = failures > 0
                ? "circuit breaker opened after " + failures + (failures == 1 ? " failure" : " consecutive failures")
                        + " (last: " + cause(failure) + ")"
                : "circuit breaker opened again: the probe failed (" + cause(failure) + ")";
        warn(failures > 0 ? "breaker opened" : "probe failed", () -> subject + ": " + what + "; for "
                + Durations.text(breakerOpenNanos) + " " + policyText() + " without asking Redis, then one decision"
                + " probes it");
    }

    /**
     * The engine's first attempt to connect failed: it was built all the same, and keeps trying in the background.
     *
     * @param failure why the attempt failed
     */
    void unreachableAtStart(Throwable failure) {
        warn("unreachable at start", () -> subject + " could not be reached when the engine was built ("
                + cause(failure) + "): the engine keeps trying to connect in the background, and " + policyText()
                + " until it does");
    }

    /**
     * The engine connected after failed attempts: from now on decisions go to Redis.
     *
     * @param waitedNanos since the first failed attempt
     */
    void connectedLate(long waitedNanos) {
        info("connected", () -> subject + " connected " + Durations.text(waitedNanos) + " after the engine was built:"
                + " decisions are made by Redis from now on");
    }

    /**
     * The server may evict limiter keys under memory pressure ({@link EvictionPolicy}).
     *
     * @param policy its {@code maxmemory-policy}
     */
    void mayEvict(String policy) {
        String which = policy.startsWith("volatile-") ? "keys with a TTL, which every limiter key has"
                : "any key";
        warn("eviction", () -> subject + " has maxmemory-policy " + policy + ": when it reaches maxmemory it evicts "
                + which + ", and a limit whose keys are evicted starts again from nothing and no longer holds. Use"
                + " noeviction (a full server then fails writes, and the failure policy answers) on a Redis sized"
                + " for the limits");
    }

    /**
     * Redis did not know a script (NOSCRIPT), so the engine runs it by EVAL, which loads it again.
     *
     * @param script the script's name
     */
    void scriptLost(String script) {
        info("noscript", () -> subject + " did not have the script " + script + " (not loaded yet, or lost to a"
                + " restart, a failover or SCRIPT FLUSH): running it by EVAL, which loads it again");
    }

    /** What decisions do while Redis is unavailable, in words. */
    private String policyText() {
        switch (policy.kind()) {
            case OPEN:
                return "decisions fail open, granting every request without a limit,";
            case CLOSED:
                return "decisions fail closed, refusing every request,";
            default:
                return "decisions fall back to " + policy.text().substring("fallback to ".length())
                        + ", each JVM limiting on its own,";
        }
    }

    /** A failure as an operator reads it: the timeout, or the exception's type and message. */
    private String cause(Throwable failure) {
        if (failure == null) {
            return "its circuit breaker is open";
        }
        Throwable cause = Acquisition.unwrap(failure);
        if (cause instanceof TimeoutException) {
            return "no answer within " + Durations.text(decisionTimeoutNanos);
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null || message.isEmpty() ? "" : ": " + message);
    }

    private void warn(String kind, Supplier<String> message) {
        write(log.admit(kind, Level.WARNING, message), Level.WARNING);
    }

    private void info(String kind, Supplier<String> message) {
        write(log.admit(kind, Level.INFO, message), Level.INFO);
    }

    /** Writes an admitted line; a failing logger must not fail the decision that reports through it. */
    private void write(String line, Level level) {
        if (line != null) {
            try {
                logger.log(level, line);
            } catch (RuntimeException ignored) {
                // Logging must not change a decision.
            }
        }
    }
}
