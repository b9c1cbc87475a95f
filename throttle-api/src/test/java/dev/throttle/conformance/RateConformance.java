package dev.throttle.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The checks every rate algorithm shares, run on seeded random traffic (a few hundred requests at random
 * instants, often several at one instant, with more demand than supply): the engine agrees with the algorithm's
 * {@link ReferenceModel} on every decision, {@code allow(n)} agrees with {@code tryAcquire(n)} on a twin limiter,
 * permits describe themselves correctly, and a refusal's retry time is exact.
 *
 * <p>An engine binds the kit by extending the per-algorithm subclasses and implementing {@link #target()}.
 */
public abstract class RateConformance {

    /** Requests per random sequence. */
    private static final int STEPS = 300;
    /** Refusals per sequence whose retry time is checked by replay (each replay re-runs the sequence so far). */
    private static final int PROBES = 40;
    /** An unaligned first reading, so windows do not start with the sequence. */
    private static final long RANDOM_START_NANOS = 1_234_567_891_234L;

    /**
     * The engine under test.
     *
     * @return the binding
     */
    protected abstract ConformanceTarget target();

    /**
     * The specs random traffic is run against, small enough that refusals are frequent.
     *
     * @return one or more specs of this class's algorithm
     */
    protected abstract List<LimitSpec> sampleSpecs();

    /**
     * A fresh reference model of a spec, at rest.
     *
     * @param spec one of {@link #sampleSpecs()}
     * @return the model
     */
    protected abstract ReferenceModel model(LimitSpec spec);

    /** Every decision on random traffic equals the reference model's, and {@code allow} agrees on a twin. */
    @Test
    public void randomTrafficFollowsTheReferenceModel() {
        for (LimitSpec spec : sampleSpecs()) {
            runRandomTraffic(spec, 42L);
            runRandomTraffic(spec, 7L);
        }
    }

    /** On random traffic, a refusal's retry time is exact: 1 ns earlier is refused, at it granted. */
    @Test
    public void retryAfterIsExactOnRandomTraffic() {
        for (LimitSpec spec : sampleSpecs()) {
            List<long[]> requests = randomRequests(spec, 11L);
            ManualClock clock = new ManualClock(RANDOM_START_NANOS);
            RateLimiter limiter = target().create(Timeline.uniqueName("random"), spec, clock);
            int probed = 0;
            for (int i = 0; i < requests.size() && probed < PROBES; i++) {
                clock.advance(requests.get(i)[0]);
                Permit permit = limiter.tryAcquire(requests.get(i)[1]);
                if (!permit.granted() && permit.retryAfterNanos() != Permit.NEVER) {
                    probeRetry(spec, requests, i, permit.retryAfterNanos());
                    probed++;
                }
            }
            assertThat(probed).as("refusals probed for %s", spec).isPositive();
        }
    }

    /**
     * Runs one seeded random sequence against the engine (with a twin for {@code allow}) and the reference model,
     * checking each decision.
     *
     * @param spec the spec
     * @param seed the seed
     * @return the grants, each {@code {clock reading, permits}}, for algorithm-specific checks
     */
    protected final List<long[]> runRandomTraffic(LimitSpec spec, long seed) {
        ManualClock clock = new ManualClock(RANDOM_START_NANOS);
        String name = Timeline.uniqueName("random");
        RateLimiter asked = target().create(name, spec, clock);
        RateLimiter allowed = target().create(Timeline.uniqueName("random-twin"), spec, clock);
        ReferenceModel model = model(spec);
        List<long[]> grants = new ArrayList<>();
        int granted = 0;
        List<long[]> requests = randomRequests(spec, seed);
        for (int i = 0; i < requests.size(); i++) {
            long now = clock.advance(requests.get(i)[0]);
            long permits = requests.get(i)[1];
            Permit permit = asked.tryAcquire(permits);
            boolean allow = allowed.allow(permits);
            ReferenceModel.Decision expected = model.decide(now, permits);
            String where = "request " + i + " of seed " + seed + " for " + spec + " at " + (now - RANDOM_START_NANOS)
                    + " ns: ask " + permits + ", got " + permit + ", expected " + expected;
            assertThat(permit.granted()).as(where).isEqualTo(expected.granted());
            assertThat(allow).as("%s: allow() on the twin", where).isEqualTo(permit.granted());
            assertThat(permit.permits()).as(where).isEqualTo(permits);
            assertThat(permit.limit()).as(where).isEqualTo(spec.capacity());
            assertThat(permit.limiterName()).as(where).isEqualTo(name);
            if (expected.retryAfterNanos() != ReferenceModel.UNKNOWN) {
                assertThat(permit.retryAfterNanos()).as("%s: retryAfter", where).isEqualTo(expected.retryAfterNanos());
            } else if (!permit.granted()) {
                assertThat(permit.retryAfterNanos()).as("%s: retryAfter", where).isPositive();
            }
            if (expected.remaining() != ReferenceModel.UNKNOWN) {
                assertThat(permit.remaining()).as("%s: remaining", where).isEqualTo(expected.remaining());
            }
            if (permit.granted()) {
                granted++;
                grants.add(new long[] {now, permits});
            }
        }
        // The sequence must exercise both outcomes, or it proves little.
        assertThat(granted).as("grants in seed %d for %s", seed, spec).isBetween(STEPS / 10, STEPS * 9 / 10);
        return grants;
    }

    /**
     * Random requests: {@code {gap before it in ns, permits}}. A quarter come at the same instant as the previous
     * one, a few after a long pause (so limiters return to rest), the rest at gaps averaging less than the time one
     * permit takes, so demand exceeds supply. Small requests dominate; some ask for the whole capacity.
     */
    private static List<long[]> randomRequests(LimitSpec spec, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long perPermit = Math.max(1L, spec.restNanos() / spec.capacity());
        List<long[]> requests = new ArrayList<>();
        for (int i = 0; i < STEPS; i++) {
            int kind = random.nextInt(20);
            long gap;
            if (kind < 5) {
                gap = 0L;
            } else if (kind == 5) {
                gap = random.nextLong(spec.restNanos() * 3 + 1);
            } else {
                gap = random.nextLong(perPermit + 1);
            }
            long permits = random.nextInt(3) == 0 ? 1L + random.nextLong(spec.capacity()) : 1L;
            requests.add(new long[] {gap, permits});
        }
        return requests;
    }

    /** Replays requests before {@code index} on a fresh limiter, then asks 1 ns before and at the retry time. */
    private void probeRetry(LimitSpec spec, List<long[]> requests, int index, long retryAfterNanos) {
        ManualClock clock = new ManualClock(RANDOM_START_NANOS);
        RateLimiter replay = target().create(Timeline.uniqueName("random-probe"), spec, clock);
        for (int i = 0; i < index; i++) {
            clock.advance(requests.get(i)[0]);
            replay.tryAcquire(requests.get(i)[1]);
        }
        clock.advance(requests.get(index)[0] + retryAfterNanos - 1);
        long permits = requests.get(index)[1];
        String where = "request " + index + " for " + spec + " (ask " + permits + ", retryAfter " + retryAfterNanos
                + " ns)";
        assertThat(replay.tryAcquire(permits).granted()).as("%s: 1 ns before retryAfter", where).isFalse();
        clock.advance(1L);
        assertThat(replay.tryAcquire(permits).granted()).as("%s: exactly at retryAfter", where).isTrue();
    }
}
