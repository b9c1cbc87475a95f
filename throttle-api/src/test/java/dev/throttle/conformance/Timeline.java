package dev.throttle.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scripted timeline of requests and the exact decisions expected of them, written as a readable table:
 * <pre>{@code
 * Timeline.of(TokenBucket.of(2, Rate.perSecond(10))).steps(
 *         at(0).ask(2).expect(GRANT).remaining(0),
 *         at(0).ask(1).expect(REFUSE, 100),
 *         at(100).ask(1).expect(GRANT).remaining(0))
 *     .verify(target());
 * }</pre>
 * Times are offsets from the timeline's start, in milliseconds ({@link #at(long)}) or nanoseconds
 * ({@link #atNanos(long)}); retry times likewise ({@link Step#expect(Outcome, long)},
 * {@link Step#expectNanos(Outcome, long)}).
 *
 * <p>{@link #verify(ConformanceTarget)} runs each step with {@code tryAcquire(n)} on one limiter and
 * {@code allow(n)} on a twin, and checks, besides the expected outcome:
 * <ul>
 *   <li>the twin's {@code allow} took the same decision;</li>
 *   <li>every permit reports the permits asked for, the spec's capacity as {@code limit()}, the limiter's name, and
 *   0 as retry time when granted;</li>
 *   <li>every refusal's retry time is positive, and exact: on a fresh limiter replaying the steps before it, the
 *   same request is refused 1 ns before that time and granted at it. An engine whose retry time is exact passes
 *   whatever its way of computing it.</li>
 * </ul>
 */
public final class Timeline {

    /** The decision a step expects. */
    public enum Outcome {
        /** The permits are granted now. */
        GRANT,
        /** The permits are refused. */
        REFUSE
    }

    /** Shorthand for {@link Outcome#GRANT}. */
    public static final Outcome GRANT = Outcome.GRANT;

    /** Shorthand for {@link Outcome#REFUSE}. */
    public static final Outcome REFUSE = Outcome.REFUSE;

    /**
     * The default first clock reading: 1000 s, a whole multiple of every window the kit uses, so window
     * boundaries fall at round offsets (tests of unaligned starts set their own start).
     */
    public static final long DEFAULT_START_NANOS = 1_000_000_000_000L;

    private static final long NANOS_PER_MILLI = 1_000_000L;
    private static final long UNCHECKED = -1L;
    private static final AtomicLong NAMES = new AtomicLong();

    private final LimitSpec spec;
    private final long startNanos;
    private final List<Step> steps;
    private final boolean probeRetries;

    private Timeline(LimitSpec spec, long startNanos, List<Step> steps, boolean probeRetries) {
        this.spec = spec;
        this.startNanos = startNanos;
        this.steps = List.copyOf(steps);
        this.probeRetries = probeRetries;
    }

    /**
     * A timeline for one spec, starting at {@link #DEFAULT_START_NANOS}.
     *
     * @param spec the limit under test
     * @return an empty timeline
     */
    public static Timeline of(LimitSpec spec) {
        return new Timeline(spec, DEFAULT_START_NANOS, List.of(), true);
    }

    /**
     * The same timeline with another first clock reading.
     *
     * @param nanos the clock's reading at offset 0
     * @return a new timeline
     */
    public Timeline startingAt(long nanos) {
        return new Timeline(spec, nanos, steps, probeRetries);
    }

    /**
     * The same timeline with these steps appended; their times must not decrease.
     *
     * @param more the steps, in time order
     * @return a new timeline
     */
    public Timeline steps(Step... more) {
        List<Step> all = new ArrayList<>(steps);
        all.addAll(List.of(more));
        return new Timeline(spec, startNanos, all, probeRetries);
    }

    /**
     * The same timeline without the replayed check of each refusal's retry time (for algorithms whose retry time
     * is only an estimate).
     *
     * @return a new timeline
     */
    public Timeline withoutRetryProbes() {
        return new Timeline(spec, startNanos, steps, false);
    }

    /**
     * A step at an offset in milliseconds from the timeline's start.
     *
     * @param millis the offset
     * @return a step asking for one permit, to be completed with an expectation
     */
    public static Step at(long millis) {
        return atNanos(millis * NANOS_PER_MILLI);
    }

    /**
     * A step at an offset in nanoseconds from the timeline's start.
     *
     * @param nanos the offset
     * @return a step asking for one permit, to be completed with an expectation
     */
    public static Step atNanos(long nanos) {
        return new Step(nanos, 1L, null, UNCHECKED, UNCHECKED);
    }

    /**
     * A unique limiter name, so engines that keep state outside the JVM never see two tests share a limiter.
     *
     * @param prefix a readable prefix
     * @return the name
     */
    public static String uniqueName(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    /**
     * Runs the timeline against an engine and checks every step.
     *
     * @param target the engine under test
     * @return the permits granted, for further checks
     */
    public Result verify(ConformanceTarget target) {
        ManualClock clock = new ManualClock(startNanos);
        String name = uniqueName("timeline");
        RateLimiter asked = target.create(name, spec, clock);
        RateLimiter allowed = target.create(uniqueName("timeline-twin"), spec, clock);
        List<long[]> grants = new ArrayList<>();
        long previous = 0L;
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            String where = "step " + i + " (" + step + ") of " + spec;
            assertThat(step.outcome).as("%s: no expectation", where).isNotNull();
            assertThat(step.atNanos).as("%s: steps must be in time order", where).isGreaterThanOrEqualTo(previous);
            previous = step.atNanos;
            clock.advance(startNanos + step.atNanos - clock.read());

            Permit permit = asked.tryAcquire(step.permits);
            boolean allow = allowed.allow(step.permits);

            assertThat(permit.granted()).as("%s: granted, permit %s", where, permit)
                    .isEqualTo(step.outcome == Outcome.GRANT);
            assertThat(allow).as("%s: allow() on the twin agrees with tryAcquire()", where)
                    .isEqualTo(permit.granted());
            assertThat(permit.permits()).as("%s: permits", where).isEqualTo(step.permits);
            assertThat(permit.limit()).as("%s: limit", where).isEqualTo(spec.capacity());
            assertThat(permit.limiterName()).as("%s: limiter name", where).isEqualTo(name);
            if (permit.granted()) {
                assertThat(permit.retryAfterNanos()).as("%s: retryAfter of a grant", where).isZero();
                if (step.remaining != UNCHECKED) {
                    assertThat(permit.remaining()).as("%s: remaining", where).isEqualTo(step.remaining);
                }
                grants.add(new long[] {step.atNanos, step.permits});
            } else {
                assertThat(permit.retryAfterNanos()).as("%s: retryAfter of a refusal", where).isPositive();
                if (step.retryAfterNanos != UNCHECKED) {
                    assertThat(permit.retryAfterNanos()).as("%s: retryAfter", where).isEqualTo(step.retryAfterNanos);
                }
                if (probeRetries && permit.retryAfterNanos() != Permit.NEVER) {
                    probeRetry(target, i, permit.retryAfterNanos(), where);
                }
            }
        }
        return new Result(grants);
    }

    /**
     * Replays the steps before step {@code index} on a fresh limiter, then asks for the same permits 1 ns before
     * the retry time (refused) and at it (granted). A refusal changes no state, so both probes see the same past.
     */
    private void probeRetry(ConformanceTarget target, int index, long retryAfterNanos, String where) {
        ManualClock clock = new ManualClock(startNanos);
        RateLimiter replay = target.create(uniqueName("timeline-probe"), spec, clock);
        for (int i = 0; i < index; i++) {
            Step step = steps.get(i);
            clock.advance(startNanos + step.atNanos - clock.read());
            replay.tryAcquire(step.permits);
        }
        Step refused = steps.get(index);
        long at = startNanos + refused.atNanos;
        clock.advance(at + retryAfterNanos - 1 - clock.read());
        assertThat(replay.tryAcquire(refused.permits).granted())
                .as("%s: a retry 1 ns before retryAfter = %d ns must be refused (retryAfter not exact)",
                        where, retryAfterNanos)
                .isFalse();
        clock.advance(1L);
        assertThat(replay.tryAcquire(refused.permits).granted())
                .as("%s: a retry exactly at retryAfter = %d ns, with no other traffic, must be granted",
                        where, retryAfterNanos)
                .isTrue();
    }

    /** One request of a timeline and its expected decision. Immutable: each method returns a new step. */
    public static final class Step {
        private final long atNanos;
        private final long permits;
        private final Outcome outcome;
        private final long retryAfterNanos;
        private final long remaining;

        private Step(long atNanos, long permits, Outcome outcome, long retryAfterNanos, long remaining) {
            this.atNanos = atNanos;
            this.permits = permits;
            this.outcome = outcome;
            this.retryAfterNanos = retryAfterNanos;
            this.remaining = remaining;
        }

        /**
         * Asks for {@code n} permits (default 1).
         *
         * @param n the permits
         * @return the step
         */
        public Step ask(long n) {
            return new Step(atNanos, n, outcome, retryAfterNanos, remaining);
        }

        /**
         * Expects an outcome; a refusal's retry time is then only checked to be positive and exact by replay.
         *
         * @param expected the outcome
         * @return the step
         */
        public Step expect(Outcome expected) {
            return new Step(atNanos, permits, expected, UNCHECKED, remaining);
        }

        /**
         * Expects a refusal with a retry time in milliseconds.
         *
         * @param expected {@link Outcome#REFUSE}
         * @param retryAfterMillis the expected retry time
         * @return the step
         */
        public Step expect(Outcome expected, long retryAfterMillis) {
            return expectNanos(expected, retryAfterMillis * NANOS_PER_MILLI);
        }

        /**
         * Expects a refusal with a retry time in nanoseconds.
         *
         * @param expected {@link Outcome#REFUSE}
         * @param retryAfter the expected retry time
         * @return the step
         */
        public Step expectNanos(Outcome expected, long retryAfter) {
            if (expected != Outcome.REFUSE) {
                throw new IllegalArgumentException("only a refusal has a retry time");
            }
            return new Step(atNanos, permits, expected, retryAfter, remaining);
        }

        /**
         * Expects a grant leaving {@code expected} permits, as {@link Permit#remaining()} reports.
         *
         * @param expected the remaining permits
         * @return the step
         */
        public Step remaining(long expected) {
            return new Step(atNanos, permits, outcome, retryAfterNanos, expected);
        }

        @Override
        public String toString() {
            String time = atNanos % NANOS_PER_MILLI == 0 ? (atNanos / NANOS_PER_MILLI) + " ms" : atNanos + " ns";
            String expectation = outcome == null ? "?" : outcome.name();
            if (retryAfterNanos != UNCHECKED) {
                expectation += " retryAfter " + retryAfterNanos + " ns";
            }
            if (remaining != UNCHECKED) {
                expectation += " remaining " + remaining;
            }
            return "at " + time + " ask " + permits + " -> " + expectation;
        }
    }

    /** The permits a verified timeline granted. */
    public static final class Result {
        private final List<long[]> grants;

        private Result(List<long[]> grants) {
            this.grants = grants;
        }

        /**
         * The most permits granted within any half-open interval {@code [t, t + window)}, which is a permit's
         * lifetime in a window; the maximum is reached at an interval starting at a grant.
         *
         * @param windowNanos the interval's length
         * @return the largest count of permits in one interval
         */
        public long maxPermitsInAnyWindow(long windowNanos) {
            long max = 0L;
            for (long[] first : grants) {
                long sum = 0L;
                for (long[] grant : grants) {
                    if (grant[0] >= first[0] && grant[0] < first[0] + windowNanos) {
                        sum += grant[1];
                    }
                }
                max = Math.max(max, sum);
            }
            return max;
        }

        /**
         * The total of the permits granted.
         *
         * @return the sum
         */
        public long grantedPermits() {
            return grants.stream().mapToLong(grant -> grant[1]).sum();
        }
    }
}
