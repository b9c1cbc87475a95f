package dev.throttle.local.adaptive;

import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.EventLog;
import dev.throttle.kernel.SpecText;
import dev.throttle.local.LocalEngine;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A rate limiter that moves between configured rates (steps, fastest first: say 1000/s, 500/s, 100/s, 10/s) on a
 * {@link HealthSignal}, with hysteresis and cooldowns so that it does not flap.
 *
 * <pre>{@code
 * HealthSignal.ErrorRatio errors = HealthSignal.errorRatio(engine.ticker(), Duration.ofSeconds(10), 10, 20);
 * StepRateLimiter api = StepRateLimiter.builder("backend", engine)
 *         .signal(errors).thresholds(0.10, 0.02)
 *         .step(Rate.perSecond(1000)).step(Rate.perSecond(500)).step(Rate.perSecond(100)).step(Rate.perSecond(10))
 *         .cooldowns(Duration.ofSeconds(1), Duration.ofSeconds(30))
 *         .feedOutcomes(errors)
 *         .build();
 * }</pre>
 *
 * <p><b>Moves.</b> At most once per evaluation interval (default one second) the signal is read, and the limiter
 * moves <em>one</em> step at a time: down when the reading reaches the current step's {@link Step#degradeAt()},
 * up when it falls below the previous step's {@link Step#recoverBelow()}. One step at a time (rather than jumping
 * to the step whose band holds the reading) keeps each move small and observable; a signal that stays bad walks it
 * down one step per down-cooldown, which should therefore be short, and back up one step per up-cooldown, which
 * should be long. No move happens sooner than the cooldown after the previous move. A reading of NaN (no evidence),
 * or a signal that throws, holds the step.
 *
 * <p><b>Cost.</b> The decision path reads one volatile timestamp; when it is due, one thread claims the evaluation
 * by CAS and the others go on without waiting. Evaluations ride on requests: an idle limiter does not move until
 * asked. A move reconfigures the underlying token bucket of the local engine: permits it is owed carry over and
 * refill at the new rate.
 *
 * <p><b>Fleet.</b> With a {@link RateLevelStore}, each evaluation publishes this node's own step and enforces the
 * slower of it and the fleet's level; see the store's contract.
 *
 * <p><b>Logs.</b> Each move of the enforced step is logged at INFO through {@link System.Logger} (logger
 * {@code dev.throttle.local.adaptive}) with the reading and threshold that caused it; at most one line per cause
 * (degrade, recover, fleet) every ten seconds, with a count of those left out.
 */
public final class StepRateLimiter extends AdaptiveRateLimiter {

    /** Where step limiters log their moves unless a test says otherwise: the package's logger. */
    static final System.Logger LOGGER = System.getLogger(StepRateLimiter.class.getPackageName());

    private static final long NEVER_MOVED = Long.MIN_VALUE;

    /** The local step (this node's signal), the enforced one (local or fleet), and when the local step last moved. */
    private record State(int local, int effective, long movedAt) {
    }

    private final List<Step> steps;
    private final HealthSignal signal;
    private final long downCooldownNanos;
    private final long upCooldownNanos;
    private final RateLevelStore store;
    private final String node;
    private final AtomicReference<State> state;
    /** Where each move of the enforced step is written, rate-limited per cause by {@link #log}. */
    private final System.Logger logger;
    private final EventLog log;

    private StepRateLimiter(Builder b, List<Step> steps, long maxCapacity) {
        super(b, steps.get(b.initialStep).bucket(), maxCapacity);
        this.steps = steps;
        this.signal = b.signal;
        this.downCooldownNanos = b.downCooldownNanos;
        this.upCooldownNanos = b.upCooldownNanos;
        this.store = b.store;
        this.node = b.node;
        this.state = new AtomicReference<>(new State(b.initialStep, b.initialStep, NEVER_MOVED));
        this.logger = b.logger;
        this.log = EventLog.of(b.logger, ticker);
    }

    /**
     * Starts a builder.
     *
     * @param name the limiter's name
     * @param engine the local engine whose clock and token buckets it uses
     * @return the builder
     * @throws IllegalArgumentException if the name is null or empty, or the engine is null
     */
    public static Builder builder(String name, LocalEngine engine) {
        return new Builder(name, engine);
    }

    /**
     * The step enforced now: 0 is the fastest.
     *
     * @return the index into {@link #steps()}
     */
    public int currentStep() {
        return state.get().effective;
    }

    /**
     * The step this node's own signal decided, before the fleet's level is applied; equal to
     * {@link #currentStep()} without a {@link RateLevelStore}.
     *
     * @return the index into {@link #steps()}
     */
    public int localStep() {
        return state.get().local;
    }

    /**
     * The rate enforced now.
     *
     * @return the current step's rate
     */
    public Rate currentRate() {
        return currentBucket().refill();
    }

    /**
     * The configured steps, fastest first.
     *
     * @return an immutable list
     */
    public List<Step> steps() {
        return steps;
    }

    @Override
    TokenBucket wanted() {
        return steps.get(state.get().effective).bucket();
    }

    @Override
    void evaluate(long now) {
        double reading = safeRead(signal, now);
        State before = state.get();
        int local = before.local;
        RateSwitch.Cause cause = RateSwitch.Cause.FLEET;
        if (!Double.isNaN(reading)) {
            if (local < steps.size() - 1 && reading >= steps.get(local).degradeAt()
                    && cooled(now, before.movedAt, downCooldownNanos)) {
                local++;
                cause = RateSwitch.Cause.DEGRADE;
            } else if (local > 0 && reading < steps.get(local - 1).recoverBelow()
                    && cooled(now, before.movedAt, upCooldownNanos)) {
                local--;
                cause = RateSwitch.Cause.RECOVER;
            }
        }
        int effective = local;
        if (store != null) {
            OptionalInt fleet = vote(local);
            if (fleet.isPresent()) {
                effective = Math.max(local, Math.min(fleet.getAsInt(), steps.size() - 1));
            }
        }
        if (effective != local) {
            cause = RateSwitch.Cause.FLEET;
        }
        State after = new State(local, effective, local != before.local ? now : before.movedAt);
        if (after.equals(before) || !state.compareAndSet(before, after)) {
            return; // nothing moved, or a slower evaluation of an earlier interval moved it meanwhile
        }
        if (effective != before.effective) {
            RateSwitch change = new RateSwitch(name(), cause, before.effective, effective,
                    steps.get(before.effective).bucket(), steps.get(effective).bucket(),
                    cause == RateSwitch.Cause.FLEET ? Double.NaN : reading, now);
            applyAndTell(change);
            logMove(change, before.local, local);
        }
    }

    /**
     * One INFO line per move of the enforced step, for example {@code Step rate limiter api: step 0 -> 1 (token bucket
     * 1000, 1000/s -> token bucket 500, 500/s): the health signal read 0.12, at or above 0.1}.
     */
    private void logMove(RateSwitch change, int localBefore, int localAfter) {
        String line = log.admit(change.cause().name(), Level.INFO, () -> {
            String why;
            switch (change.cause()) {
                case DEGRADE:
                    why = "the health signal read " + reading(change.reading()) + ", at or above "
                            + reading(steps.get(localBefore).degradeAt());
                    break;
                case RECOVER:
                    why = "the health signal read " + reading(change.reading()) + ", below "
                            + reading(steps.get(localAfter).recoverBelow());
                    break;
                default:
                    why = change.toLevel() > localAfter
                            ? "the fleet's shared level holds this node at step " + change.toLevel()
                                    + " (its own signal says " + localAfter + ")"
                            : "the fleet's shared level no longer holds this node below its own step";
                    break;
            }
            return "Step rate limiter " + name() + ": step " + change.fromLevel() + " -> " + change.toLevel() + " ("
                    + SpecText.describe(change.from()) + " -> " + SpecText.describe(change.to()) + "): " + why;
        });
        if (line != null) {
            try {
                logger.log(Level.INFO, line);
            } catch (RuntimeException ignored) {
                // Logging must not fail the request that happened to evaluate the signal.
            }
        }
    }

    /** A reading or threshold with at most three decimals. */
    private static String reading(double value) {
        return SpecText.number(Math.round(value * 1000.0) / 1000.0);
    }

    private OptionalInt vote(int local) {
        try {
            store.publish(node, local);
            return store.fleetLevel();
        } catch (RuntimeException unreachable) {
            return OptionalInt.empty(); // keep the local decision
        }
    }

    private static boolean cooled(long now, long movedAt, long cooldown) {
        return movedAt == NEVER_MOVED || now - movedAt >= cooldown;
    }

    /**
     * The limiter for logs: its name, the step enforced now (0 is the fastest), the bucket of that step and what it
     * could grant now, for example {@code Limiter[api: step 1 of steps 0-3, token bucket 50, 500/s; 7 available]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "Limiter[" + name() + ": step " + currentStep() + " of steps 0-" + (steps.size() - 1) + ", "
                + SpecText.describe(currentBucket()) + "; " + availablePermits() + " available]";
    }

    /**
     * One step of a step rate limiter: the bucket enforced while it is active, and the two thresholds of the
     * boundary to the next, slower step. While this step is active, a reading at or above {@code degradeAt} moves the
     * limiter down to the next step; while the next step is active, a reading below {@code recoverBelow} moves it back
     * up to this one. Readings in {@code [recoverBelow, degradeAt)} hold: that is the hysteresis band. The thresholds of
     * the last (slowest) step are never used.
     *
     * @param bucket the rate and burst of this step
     * @param degradeAt leave for the next step when the reading is at or above it; {@code +Infinity} never
     * @param recoverBelow come back from the next step when the reading is below it; {@code -Infinity} never
     */
    public record Step(TokenBucket bucket, double degradeAt, double recoverBelow) {

        /**
         * Validates the step.
         *
         * @param bucket the rate and burst of this step
         * @param degradeAt the degrade threshold, not NaN
         * @param recoverBelow the recover threshold, not NaN, below {@code degradeAt}
         * @throws IllegalArgumentException if the bucket is null, a threshold is NaN, or {@code recoverBelow >=
         *     degradeAt}
         */
        public Step {
            Arguments.requireNonNull("bucket", bucket);
            RateArguments.requireBand("", degradeAt, recoverBelow);
        }

        /**
         * A step of a rate whose burst is one period's permits (1000/s may burst 1000): the usual meaning of "so many
         * per period".
         *
         * @param rate the rate
         * @param degradeAt the degrade threshold
         * @param recoverBelow the recover threshold, below {@code degradeAt}
         * @return the step
         * @throws IllegalArgumentException as {@link TokenBucket} and the canonical constructor do
         */
        public static Step of(Rate rate, double degradeAt, double recoverBelow) {
            return new Step(bucketOf(rate), degradeAt, recoverBelow);
        }

        /**
         * The slowest step, whose thresholds are never used.
         *
         * @param bucket the rate and burst of the step
         * @return the step
         * @throws IllegalArgumentException if the bucket is null
         */
        public static Step last(TokenBucket bucket) {
            return new Step(bucket, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
        }

        static TokenBucket bucketOf(Rate rate) {
            Arguments.requireNonNull("rate", rate);
            return TokenBucket.of(rate.permits(), rate);
        }
    }

    /** Builds a {@link StepRateLimiter}; every value is checked when {@link #build()} is called or before. */
    public static final class Builder extends AdaptiveRateLimiterBuilder<Builder> {
        private final List<TokenBucket> buckets = new ArrayList<>();
        private final List<double[]> ownThresholds = new ArrayList<>();
        private double defaultDegradeAt = Double.NaN;
        private double defaultRecoverBelow = Double.NaN;
        private HealthSignal signal;
        private int initialStep;
        private long downCooldownNanos = 1_000_000_000L;
        private long upCooldownNanos = 10_000_000_000L;
        private RateLevelStore store;
        private String node;

        private Builder(String name, LocalEngine engine) {
            super(name, engine);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * The signal that moves the steps (required).
         *
         * @param signal the signal, larger readings less healthy
         * @return this builder
         * @throws IllegalArgumentException if it is null
         */
        public Builder signal(HealthSignal signal) {
            this.signal = Arguments.requireNonNull("signal", signal);
            return this;
        }

        /**
         * The thresholds of every step added without its own.
         *
         * @param degradeAt step down when the reading is at or above it
         * @param recoverBelow step back up when the reading is below it; below {@code degradeAt}
         * @return this builder
         * @throws IllegalArgumentException if a threshold is NaN or {@code recoverBelow >= degradeAt}
         */
        public Builder thresholds(double degradeAt, double recoverBelow) {
            RateArguments.requireBand("", degradeAt, recoverBelow);
            this.defaultDegradeAt = degradeAt;
            this.defaultRecoverBelow = recoverBelow;
            return this;
        }

        /**
         * Adds the next, slower step with the default {@link #thresholds}.
         *
         * @param bucket the step's rate and burst
         * @return this builder
         * @throws IllegalArgumentException if it is null
         */
        public Builder step(TokenBucket bucket) {
            buckets.add(Arguments.requireNonNull("bucket", bucket));
            ownThresholds.add(null);
            return this;
        }

        /**
         * Adds the next, slower step with the default {@link #thresholds}; its burst is one period's permits.
         *
         * @param rate the step's rate
         * @return this builder
         * @throws IllegalArgumentException if it is null
         */
        public Builder step(Rate rate) {
            return step(Step.bucketOf(rate));
        }

        /**
         * Adds the next, slower step with its own thresholds.
         *
         * @param step the step
         * @return this builder
         * @throws IllegalArgumentException if it is null
         */
        public Builder step(Step step) {
            Arguments.requireNonNull("step", step);
            buckets.add(step.bucket());
            ownThresholds.add(new double[] {step.degradeAt(), step.recoverBelow()});
            return this;
        }

        /**
         * The step to start at (default 0, the fastest).
         *
         * @param index an index into the steps
         * @return this builder
         */
        public Builder initialStep(int index) {
            this.initialStep = index; // checked against the steps at build()
            return this;
        }

        /**
         * The least time between a move and the next (defaults: one second down, ten seconds up): down fast to
         * protect the backend, up slowly to let it prove itself.
         *
         * @param down before a move down, zero or more
         * @param up before a move up, zero or more
         * @return this builder
         * @throws IllegalArgumentException if one is null, negative or too long
         */
        public Builder cooldowns(Duration down, Duration up) {
            long downNanos = Arguments.waitNanos("downCooldown", down);
            long upNanos = Arguments.waitNanos("upCooldown", up);
            this.downCooldownNanos = downNanos;
            this.upCooldownNanos = upNanos;
            return this;
        }

        /**
         * Shares the step with a fleet through a store; see {@link RateLevelStore} for the contract.
         *
         * @param store the store
         * @param node this node's identity in the store, stable for its lifetime
         * @return this builder
         * @throws IllegalArgumentException if an argument is null or the node is empty
         */
        public Builder shareThrough(RateLevelStore store, String node) {
            Arguments.requireNonNull("store", store);
            if (node == null || node.isEmpty()) {
                throw new IllegalArgumentException("node must not be null or empty");
            }
            this.store = store;
            this.node = node;
            return this;
        }

        /**
         * Builds the limiter.
         *
         * @return the limiter
         * @throws IllegalArgumentException if there are no steps, the steps are not strictly slower one after the
         *     other, a step other than the last has no thresholds, the bands of neighbouring steps overlap, the
         *     initial step is not a step, or no signal was given
         */
        public StepRateLimiter build() {
            if (buckets.isEmpty()) {
                throw new IllegalArgumentException("steps = [] is out of range; allowed range is 1 or more steps");
            }
            Arguments.requireNonNull("signal", signal);
            Arguments.requireInRange("initialStep", initialStep, 0, buckets.size() - 1);
            List<Step> resolved = new ArrayList<>();
            long maxCapacity = 0;
            for (int i = 0; i < buckets.size(); i++) {
                TokenBucket bucket = buckets.get(i);
                if (i > 0) {
                    long previous = buckets.get(i - 1).refill().intervalNanos();
                    // Compared as the engine enforces them: nanoseconds per permit, rounded up.
                    if (bucket.refill().intervalNanos() <= previous) {
                        throw new IllegalArgumentException("steps[" + i + "] = " + bucket
                                + " is out of range; allowed range is rates slower than steps[" + (i - 1) + "] = "
                                + buckets.get(i - 1) + " (more than " + previous + " ns per permit)");
                    }
                }
                maxCapacity = Math.max(maxCapacity, bucket.capacity());
                resolved.add(resolve(i, bucket));
            }
            for (int i = 1; i < resolved.size() - 1; i++) {
                double below = resolved.get(i - 1).recoverBelow();
                double degrade = resolved.get(i).degradeAt();
                if (degrade < below) {
                    // A reading in [degrade, below) would both degrade step i and recover to step i - 1.
                    throw new IllegalArgumentException("steps[" + i + "].degradeAt = " + degrade
                            + " is out of range; allowed range is [" + below + ", Infinity], at or above steps["
                            + (i - 1) + "].recoverBelow");
                }
            }
            return new StepRateLimiter(this, List.copyOf(resolved), maxCapacity);
        }

        private Step resolve(int i, TokenBucket bucket) {
            double[] own = ownThresholds.get(i);
            if (i == buckets.size() - 1) {
                return own != null ? new Step(bucket, own[0], own[1]) : Step.last(bucket);
            }
            if (own != null) {
                return new Step(bucket, own[0], own[1]);
            }
            if (Double.isNaN(defaultDegradeAt)) {
                throw new IllegalArgumentException("steps[" + i + "].degradeAt = NaN is out of range; give the step"
                        + " its thresholds or set thresholds(degradeAt, recoverBelow)");
            }
            return new Step(bucket, defaultDegradeAt, defaultRecoverBelow);
        }
    }
}
