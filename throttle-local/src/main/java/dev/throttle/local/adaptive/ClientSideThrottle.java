package dev.throttle.local.adaptive;

import dev.throttle.ClientSideThrottling;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.HeldPermit;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.kernel.SpecText;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Client-side adaptive throttling, as described in Google's SRE book, chapter "Handling Overload", section
 * "Client-Side Throttling" (https://sre.google/sre-book/handling-overload/): a client that sees its backend reject
 * more and more of its requests starts refusing requests itself, before they reach the network, so that an
 * overloaded backend does not spend its capacity rejecting them.
 *
 * <p>Over a sliding window ({@link ClientSideThrottling}: two minutes by default, in time buckets) the throttle counts
 * <ul>
 *   <li>{@code requests}: every attempt of the application, including those this throttle refused locally. The book
 *   counts them on purpose: as the application keeps trying while the backend accepts less, the refusal probability
 *   keeps rising;</li>
 *   <li>{@code accepts}: the requests the backend accepted.</li>
 * </ul>
 * and refuses a new request with probability {@code p = max(0, (requests − k·accepts) / (requests + 1))}. While the
 * backend accepts everything, {@code p = 0}; the client sends up to {@code k} times what the backend accepts before it
 * throttles at all.
 *
 * <h2>What counts as what</h2>
 * <ul>
 *   <li>A refusal of {@link #tryAcquire(long)}, of a waiting acquisition when it gives up, or of {@link #allow()}
 *   counts its permits as requests at once (a waiting acquisition counts once, not once per draw).</li>
 *   <li>A granted permit counts nothing until it ends: {@link Permit#close()} counts its permits as requests and
 *   accepts (the backend accepted), {@link Permit#dropped()} as requests only (the backend rejected the call for
 *   overload). Counting at the end keeps calls still in flight out of the ratio, so a burst of concurrent calls
 *   does not look like a burst of rejections; a permit that is never ended is never counted.</li>
 *   <li>{@link Permit#settle(long)} changes how many requests the permit stands for (a batch that sent fewer calls);
 *   after the permit ended it changes nothing.</li>
 *   <li>Callers without permits use {@link #allow()} before a call and {@link #record(boolean)} after it.</li>
 * </ul>
 * A permit's {@link Permit#limit()} is the cutoff {@code ⌊k·accepts⌋} at which throttling starts, and its
 * {@link Permit#remaining()} the requests left before it, {@code max(0, ⌊k·accepts⌋ − requests)}, both at the
 * decision.
 *
 * <h2>Retry time</h2>
 * A refusal is a random draw, so an immediate retry could succeed; but retrying at once is the load the throttle
 * exists to shed. A refusal's {@link Permit#retryAfterNanos()} is the time until the window next forgets its oldest
 * bucket, the first moment the history changes by itself. A waiting {@link #acquire(long, Duration)} draws again at
 * each such moment until its deadline.
 *
 * <p>Every decision reads the window (a sum over its buckets) and one random number; recording is one or two atomic
 * adds. No locks. Thread-safe.
 */
public final class ClientSideThrottle implements Limiter {

    private static final double UNIT = 0x1.0p-53;

    private final String name;
    private final ClientSideThrottling spec;
    private final double k;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final RandomGenerator random;
    private final SreWindow window;

    private ClientSideThrottle(Builder builder) {
        this.name = builder.name;
        this.spec = builder.spec;
        this.k = spec.k();
        this.ticker = builder.ticker;
        this.scheduler = builder.scheduler;
        this.random = builder.random;
        this.window = new SreWindow(spec.bucketNanos(), spec.buckets(), ticker.read());
    }

    /**
     * A builder with the book's defaults ({@link ClientSideThrottling#defaults()}), the system clock, the shared scheduler
     * and thread-local randomness.
     *
     * @param name the throttle's name, for permits and exceptions
     * @return a new builder
     * @throws IllegalArgumentException if the name is null or empty
     */
    public static Builder builder(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be null or empty");
        }
        return new Builder(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ClientSideThrottling spec() {
        return spec;
    }

    /**
     * Decides now: grants with probability {@code 1 − p}; a refusal counts {@code permits} requests.
     *
     * @param permits the requests this acquisition stands for, from 1 to {@link ClientSideThrottling#capacity()}
     * @return the decision; a grant must be closed or dropped to be counted
     * @throws IllegalArgumentException if {@code permits} is out of range
     */
    @Override
    public Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, spec.capacity());
        long now = ticker.read();
        long[] totals = window.totals(now);
        if (admits(SreWindow.probability(totals[0], totals[1], k))) {
            return granted(permits, totals);
        }
        window.record(now, permits, 0L);
        totals[0] += permits;
        return refused(permits, now, totals);
    }

    /**
     * Decides, drawing again at each bucket boundary until {@code maxWait} runs out; see {@link Limiter}.
     *
     * @param permits the requests this acquisition stands for, from 1 to {@link ClientSideThrottling#capacity()}
     * @param maxWait how long to wait at most
     * @return the decision
     * @throws IllegalArgumentException if an argument is out of range
     */
    @Override
    public Permit acquire(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec.capacity());
        if (maxWaitNanos == 0L) {
            return tryAcquire(permits);
        }
        // A withdrawn wait is not an attempt that reached a decision: it counts nothing.
        return Acquisition.await(acquireAsync(permits, maxWaitNanos), () -> {
            long now = ticker.read();
            return RefusedPermit.of(name, permits, retryAfterNanos(now), 0L, 0L);
        });
    }

    /**
     * Decides without parking a thread, drawing again at each bucket boundary until {@code maxWait} runs out.
     *
     * @param permits the requests this acquisition stands for, from 1 to {@link ClientSideThrottling#capacity()}
     * @param maxWait how long to wait at most
     * @return the future decision
     * @throws IllegalArgumentException if an argument is out of range
     */
    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec.capacity());
        return acquireAsync(permits, maxWaitNanos);
    }

    private CompletableFuture<Permit> acquireAsync(long permits, long maxWaitNanos) {
        return new Waiting(permits, maxWaitNanos).start();
    }

    /**
     * The requests that could be sent before the throttle starts refusing: {@code max(0, ⌊k·accepts⌋ − requests)}.
     *
     * @return zero or more
     */
    @Override
    public long availablePermits() {
        long[] totals = window.totals(ticker.read());
        return headroom(totals);
    }

    /**
     * Decides one request without a permit, allocating nothing. A refusal counts as a request; after a grant, the
     * caller reports the call's outcome with {@link #record(boolean)}.
     *
     * @return true if the request may be sent
     */
    public boolean allow() {
        long now = ticker.read();
        if (admits(window.rejectionProbability(now, k))) {
            return true;
        }
        window.record(now, 1L, 0L);
        return false;
    }

    /**
     * Counts one request sent to the backend and its outcome; the permit-free counterpart of closing
     * ({@code accepted}) or dropping a permit.
     *
     * @param accepted whether the backend accepted the request
     */
    public void record(boolean accepted) {
        window.record(ticker.read(), 1L, accepted ? 1L : 0L);
    }

    /**
     * The probability that a request would be refused now.
     *
     * @return from 0 (inclusive) to 1 (exclusive)
     */
    public double rejectionProbability() {
        return window.rejectionProbability(ticker.read(), k);
    }

    /**
     * The requests counted in the window now, local refusals included.
     *
     * @return zero or more
     */
    public long requests() {
        return window.totals(ticker.read())[0];
    }

    /**
     * The accepts counted in the window now.
     *
     * @return zero or more
     */
    public long accepts() {
        return window.totals(ticker.read())[1];
    }

    /** Counts a grant when it ends; kept private so that the throttle's own API stays a limiter's. */
    private final HeldPermit.Holder counter = new HeldPermit.Holder() {
        /**
         * Counts a grant when it ends: its requests as requests and, closed, as accepts (the backend accepted);
         * dropped, as requests only (the backend rejected them for overload).
         */
        @Override
        public void ended(HeldPermit permit, long requests, boolean dropped) {
            if (requests > 0L) {
                window.record(ticker.read(), requests, dropped ? 0L : requests);
            }
        }

        /** Settling sets how many requests the grant stands for when it ends; after its end it changes nothing. */
        @Override
        public void settled(HeldPermit permit, long before, long after) {
            // The held count is the requests the grant stands for: it is counted when the grant ends.
        }

        /** A batch may have sent more calls than it asked for: any count, 0 or more. */
        @Override
        public long maxSettle(HeldPermit permit) {
            return Long.MAX_VALUE;
        }

        /** A grant its caller never held counts nothing. */
        @Override
        public void withdrawn(HeldPermit permit, long held) {
            // Grants are counted when they end; this one never began.
        }
    };

    private boolean admits(double probability) {
        return probability == 0.0 || random.nextLong(1L << 53) * UNIT >= probability;
    }

    private long retryAfterNanos(long now) {
        long bucket = window.bucketNanos();
        return bucket - Math.floorMod(now, bucket);
    }

    private long headroom(long[] totals) {
        return Math.max(0L, cutoff(totals) - totals[0]);
    }

    /** {@code ⌊k·accepts⌋}, the requests at which throttling starts; saturates instead of overflowing. */
    private long cutoff(long[] totals) {
        double cutoff = Math.floor(k * totals[1]);
        return cutoff >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) cutoff;
    }

    private Permit granted(long permits, long[] totals) {
        return new HeldPermit(name, permits, headroom(totals), cutoff(totals), counter, 0L, 0L);
    }

    private Permit refused(long permits, long now, long[] totals) {
        return RefusedPermit.of(name, permits, retryAfterNanos(now), headroom(totals), cutoff(totals));
    }

    /**
     * The throttle for logs: its name, its spec in words and the share of requests it refuses now, for example
     * {@code Limiter[backend: client-side throttling k=2 over 2 min; rejecting 12%]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "Limiter[" + name + ": " + SpecText.describe(spec) + "; rejecting "
                + SpecText.percent(rejectionProbability()) + "]";
    }

    /** One acquisition that may wait: draws now, then again at each bucket boundary before its deadline. */
    private final class Waiting extends Acquisition {

        Waiting(long permits, long maxWaitNanos) {
            super(permits, deadlineAfter(ticker, maxWaitNanos), ticker, scheduler);
        }

        @Override
        protected void attempt() {
            long now = ticker.read();
            long[] totals = window.totals(now);
            if (admits(SreWindow.probability(totals[0], totals[1], k))) {
                // A grant that loses to a cancel counts nothing: grants are counted when they end.
                grant(granted(permits, totals));
                return;
            }
            long retryAfter = retryAfterNanos(now);
            if (canRetry(retryAfter, now, true)) {
                retryIn(retryAfter);
                return;
            }
            // The acquisition gives up: its requests count once, not once per draw.
            window.record(now, permits, 0L);
            totals[0] += permits;
            refuse(refused(permits, now, totals));
        }
    }

    /** Builds a {@link ClientSideThrottle}. */
    public static final class Builder {
        private final String name;
        private ClientSideThrottling spec = ClientSideThrottling.defaults();
        private Ticker ticker = Ticker.system();
        private Scheduler scheduler = Scheduler.shared();
        private RandomGenerator random = ThreadLocalDraws.INSTANCE;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Sets the whole spec.
         *
         * @param spec the spec
         * @return this builder
         * @throws IllegalArgumentException if the spec is null
         */
        public Builder spec(ClientSideThrottling spec) {
            this.spec = Arguments.requireNonNull("spec", spec);
            return this;
        }

        /**
         * Sets the accepts multiplier (default 2).
         *
         * @param k from {@value ClientSideThrottling#MIN_K} to {@value ClientSideThrottling#MAX_K}
         * @return this builder
         * @throws IllegalArgumentException if {@code k} is out of range
         */
        public Builder k(double k) {
            this.spec = spec.withK(k);
            return this;
        }

        /**
         * Sets the sliding window (default two minutes in 24 buckets).
         *
         * @param window the length of the history
         * @param buckets how many time buckets it is cut into
         * @return this builder
         * @throws IllegalArgumentException if a parameter is null or out of range
         */
        public Builder window(Duration window, int buckets) {
            this.spec = spec.withWindow(window, buckets);
            return this;
        }

        /**
         * Sets the clock (default {@link Ticker#system()}).
         *
         * @param ticker the ticker
         * @return this builder
         * @throws IllegalArgumentException if the ticker is null
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Arguments.requireNonNull("ticker", ticker);
            return this;
        }

        /**
         * Sets the scheduler waiting acquisitions draw again on (default {@link Scheduler#shared()}).
         *
         * @param scheduler the scheduler
         * @return this builder
         * @throws IllegalArgumentException if the scheduler is null
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
            return this;
        }

        /**
         * Sets the source of the random draws (default {@link ThreadLocalRandom#current()}); it must be thread-safe
         * if the throttle is used by several threads. Inject a seeded one for reproducible tests.
         *
         * @param random the source
         * @return this builder
         * @throws IllegalArgumentException if the source is null
         */
        public Builder random(RandomGenerator random) {
            this.random = Arguments.requireNonNull("random", random);
            return this;
        }

        /**
         * Builds the throttle, with an empty history.
         *
         * @return the throttle
         */
        public ClientSideThrottle build() {
            return new ClientSideThrottle(this);
        }
    }
}
