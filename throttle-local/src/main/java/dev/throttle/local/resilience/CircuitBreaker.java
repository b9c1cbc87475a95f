package dev.throttle.local.resilience;

import dev.throttle.Arguments;
import dev.throttle.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Stops calling a service that keeps failing or answering slowly, and probes it before trusting it again.
 *
 * <ul>
 *   <li>CLOSED: calls go through; their outcomes fill a window (the last N calls, or the last D of time). Once the
 *   window holds {@link CircuitBreakerConfig#minimumNumberOfCalls()} calls, a failure ratio or slow-call ratio at
 *   or above its threshold opens the breaker.</li>
 *   <li>OPEN: calls are refused with {@link CallNotPermittedException} for
 *   {@link CircuitBreakerConfig#waitDurationInOpenState()}; the first request after it moves to half-open.</li>
 *   <li>HALF_OPEN: {@link CircuitBreakerConfig#permittedCallsInHalfOpenState()} probe calls go through, others are
 *   refused. When every probe has finished, their ratios decide: at or above a threshold, open again; below both,
 *   closed with an empty window.</li>
 * </ul>
 *
 * <p>Two ways to use it: wrap calls ({@link #call}, {@link #run}, {@link #callAsync}), which measure the duration with
 * the breaker's {@link Ticker} and match each outcome with the state the call was let through in (an outcome of a
 * call let through before a transition is dropped: it says nothing about the new state); or drive it by hand
 * ({@link #tryAcquirePermission()}, then {@link #onSuccess} or {@link #onError}, or {@link #releasePermission()} if
 * the call is not made), in which case outcomes are applied to whatever state the breaker is in when they arrive. A
 * probe that never reports its outcome keeps the breaker half-open.
 *
 * <p>Thread-safe and lock-free: the state is an immutable object swapped by CAS (a half-open probe count, a
 * transition); while closed, outcomes go to a lock-free window (see {@code CountWindow}: a CAS on an immutable
 * snapshot of the counts per outcome, with a tagged ring of outcomes; {@code TimeWindow}: a CAS per bucket). The
 * breaker reads time only through its ticker. An open breaker moves to half-open on the next permission request,
 * not by itself: {@link #state()} may report OPEN after the wait has passed.
 */
public final class CircuitBreaker {

    /** The breaker's states. */
    public enum State {
        /** Calls go through and are judged. */
        CLOSED,
        /** Calls are refused. */
        OPEN,
        /** A few probe calls go through to decide between closing and opening again. */
        HALF_OPEN
    }

    /**
     * The breaker's counts at one moment.
     *
     * @param state the state
     * @param calls closed: the calls in the window; half-open: the probes finished; open: 0
     * @param failures the failed ones among them
     * @param slowCalls the slow ones among them
     */
    public record Metrics(State state, long calls, long failures, long slowCalls) {
    }

    /** Returned by {@link #acquire()} for a refused call. */
    static final long DENIED = -1L;
    /** Passed to {@link #record} and {@link #release} by the manual API: whatever the current epoch is. */
    static final long ANY_EPOCH = -2L;

    private static final VarHandle CURRENT;
    private static final VarHandle LISTENERS;

    static {
        try {
            CURRENT = MethodHandles.lookup().findVarHandle(CircuitBreaker.class, "current", BreakerState.class);
            LISTENERS = MethodHandles.lookup().findVarHandle(CircuitBreaker.class, "listeners",
                    CircuitBreakerListener[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final CircuitBreakerConfig config;
    private final Ticker ticker;
    /** Copy-on-write: replaced whole by {@link #addListener}, so emitting reads one array without a lock. */
    private volatile CircuitBreakerListener[] listeners;
    @SuppressWarnings("unused") // accessed through CURRENT
    private volatile BreakerState current;

    private CircuitBreaker(Builder builder) {
        this.name = builder.name;
        this.config = builder.config;
        this.ticker = builder.ticker;
        this.listeners = builder.listeners.toArray(new CircuitBreakerListener[0]);
        this.current = BreakerState.closed(0L, newWindow());
    }

    /**
     * A builder: name "circuit-breaker", the default policy, the system ticker, no listener.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Adds a listener of the breaker's events to a breaker already built, for example a metrics binder. It receives
     * the events that happen after it is added; an event under way while it is added may or may not reach it.
     * Lock-free: the listeners are a copy-on-write array, so adding is rare and costly, and emitting stays cheap.
     *
     * @param listener the listener
     * @throws IllegalArgumentException if null
     */
    public void addListener(CircuitBreakerListener listener) {
        Arguments.requireNonNull("listener", listener);
        for (;;) {
            CircuitBreakerListener[] old = listeners;
            CircuitBreakerListener[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = listener;
            if (LISTENERS.compareAndSet(this, old, grown)) {
                return;
            }
        }
    }

    /**
     * The breaker's name, used in events and exceptions.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The breaker's policy.
     *
     * @return the policy
     */
    public CircuitBreakerConfig config() {
        return config;
    }

    /**
     * The state as last changed; an open breaker whose wait has passed reports OPEN until the next permission
     * request moves it to half-open.
     *
     * @return the state
     */
    public State state() {
        return current.state;
    }

    /**
     * The counts the breaker judges now.
     *
     * @return the counts
     */
    public Metrics metrics() {
        BreakerState s = current;
        switch (s.state) {
            case CLOSED: {
                Tally tally = s.window.tally(ticker.read());
                return new Metrics(State.CLOSED, tally.calls(), tally.failures(), tally.slowCalls());
            }
            case HALF_OPEN:
                return new Metrics(State.HALF_OPEN, s.finished, s.failures, s.slowCalls);
            default:
                return new Metrics(State.OPEN, 0, 0, 0);
        }
    }

    /**
     * How long the breaker stays open: 0 unless it is open and its wait has not passed.
     *
     * @return nanoseconds, 0 or more
     */
    public long remainingOpenNanos() {
        BreakerState s = current;
        if (s.state != State.OPEN) {
            return 0L;
        }
        return Math.max(0L, config.waitDurationInOpenStateNanos() - (ticker.read() - s.openedAt));
    }

    /**
     * Asks to make a call. When true, the caller must report the outcome with {@link #onSuccess} or {@link #onError},
     * or give the permission back with {@link #releasePermission()} if it does not make the call.
     *
     * @return true if the call may be made
     */
    public boolean tryAcquirePermission() {
        return acquire() != DENIED;
    }

    /**
     * Gives back a permission whose call was not made (for example refused by a rate limiter further in): a
     * half-open breaker lets another probe through instead. Does nothing when closed or open.
     */
    public void releasePermission() {
        release(ANY_EPOCH);
    }

    /**
     * Reports a successful call.
     *
     * @param durationNanos how long it took, 0 or more
     * @throws IllegalArgumentException if the duration is negative
     */
    public void onSuccess(long durationNanos) {
        Arguments.requireNonNegative("durationNanos", durationNanos);
        record(ANY_EPOCH, durationNanos, null);
    }

    /**
     * Reports a failed call; whether it counts as a failure is up to {@link CircuitBreakerConfig#recordFailure()}.
     *
     * @param durationNanos how long it took, 0 or more
     * @param failure what it threw
     * @throws IllegalArgumentException if the duration is negative or the failure null
     */
    public void onError(long durationNanos, Throwable failure) {
        Arguments.requireNonNegative("durationNanos", durationNanos);
        Arguments.requireNonNull("failure", failure);
        record(ANY_EPOCH, durationNanos, failure);
    }

    /**
     * Makes a call if the breaker permits it, and records its outcome and duration.
     *
     * @param task the call
     * @param <T> its result type
     * @return its result
     * @throws CallNotPermittedException if the breaker refuses the call
     * @throws Exception whatever the call throws
     */
    public <T> T call(Callable<T> task) throws Exception {
        Arguments.requireNonNull("task", task);
        long epoch = acquire();
        if (epoch == DENIED) {
            throw notPermitted();
        }
        long start = ticker.read();
        T result;
        try {
            result = task.call();
        } catch (Throwable failure) {
            record(epoch, ticker.read() - start, failure);
            throw failure;
        }
        record(epoch, ticker.read() - start, null);
        return result;
    }

    /**
     * Runs a task if the breaker permits it, and records its outcome and duration.
     *
     * @param task the task
     * @throws CallNotPermittedException if the breaker refuses the call
     */
    public void run(Runnable task) {
        Arguments.requireNonNull("task", task);
        long epoch = acquire();
        if (epoch == DENIED) {
            throw notPermitted();
        }
        long start = ticker.read();
        try {
            task.run();
        } catch (Throwable failure) {
            record(epoch, ticker.read() - start, failure);
            throw failure;
        }
        record(epoch, ticker.read() - start, null);
    }

    /**
     * Starts an asynchronous call if the breaker permits it, and records its outcome and duration (until its stage
     * completes) when it completes. Never throws for a refusal or a failure of the supplier: the future carries them.
     *
     * @param task supplies the call's stage; called only when permitted
     * @param <T> the result type
     * @return the call's outcome, or a future failed with {@link CallNotPermittedException}
     */
    public <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> task) {
        Arguments.requireNonNull("task", task);
        long epoch = acquire();
        if (epoch == DENIED) {
            return CompletableFuture.failedFuture(notPermitted());
        }
        long start = ticker.read();
        CompletionStage<T> stage;
        try {
            stage = task.get();
            Arguments.requireNonNull("stage supplied by task", stage);
        } catch (Throwable failure) {
            record(epoch, ticker.read() - start, failure);
            return CompletableFuture.failedFuture(failure);
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        stage.whenComplete((value, failure) -> {
            // Recorded before the caller's future completes, so a caller reacting to it sees the updated breaker.
            record(epoch, ticker.read() - start, Failures.unwrap(failure));
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        });
        return result;
    }

    @Override
    public String toString() {
        return "CircuitBreaker[" + name + ", " + current.state + "]";
    }

    // ---- the state machine, shared with the decorator chain ----

    Ticker ticker() {
        return ticker;
    }

    CallNotPermittedException notPermitted() {
        return new CallNotPermittedException(name, remainingOpenNanos());
    }

    /**
     * Asks to make a call.
     *
     * @return the epoch of the state the call is let through in, or {@link #DENIED}
     */
    long acquire() {
        for (;;) {
            BreakerState s = current;
            switch (s.state) {
                case CLOSED:
                    return s.epoch;
                case OPEN: {
                    long now = ticker.read();
                    if (now - s.openedAt < config.waitDurationInOpenStateNanos()) {
                        notPermittedEvent(s, now);
                        return DENIED;
                    }
                    BreakerState probing = BreakerState.halfOpen(s.epoch + 1, 1);
                    if (CURRENT.compareAndSet(this, s, probing)) {
                        transitionEvent(s, probing, now);
                        return probing.epoch;
                    }
                    break;
                }
                default: // HALF_OPEN
                    if (s.permitted >= config.permittedCallsInHalfOpenState()) {
                        notPermittedEvent(s, ticker.read());
                        return DENIED;
                    }
                    if (CURRENT.compareAndSet(this, s, s.withPermitted(s.permitted + 1))) {
                        return s.epoch;
                    }
                    break;
            }
        }
    }

    /**
     * Gives back a permission whose call was not made.
     *
     * @param epoch the epoch it was granted in, or {@link #ANY_EPOCH}
     */
    void release(long epoch) {
        for (;;) {
            BreakerState s = current;
            if (s.state != State.HALF_OPEN || (epoch != ANY_EPOCH && epoch != s.epoch) || s.permitted <= s.finished) {
                return;
            }
            if (CURRENT.compareAndSet(this, s, s.withPermitted(s.permitted - 1))) {
                return;
            }
        }
    }

    /**
     * Records a call's outcome.
     *
     * @param epoch the epoch it was let through in, or {@link #ANY_EPOCH}
     * @param durationNanos its duration
     * @param failure what it threw, or null for a success
     */
    void record(long epoch, long durationNanos, Throwable failure) {
        boolean counted = failure != null && config.recordFailure().test(failure);
        boolean slow = durationNanos >= config.slowCallDurationNanos();
        int outcome = Outcomes.of(counted, slow);
        BreakerState observed = current;
        if (listeners.length > 0) {
            CircuitBreakerEvent.Kind kind = failure == null ? CircuitBreakerEvent.Kind.SUCCESS
                    : counted ? CircuitBreakerEvent.Kind.FAILURE : CircuitBreakerEvent.Kind.IGNORED_FAILURE;
            emit(new CircuitBreakerEvent(name, kind, observed.state, observed.state, durationNanos, slow, failure,
                    ticker.read()));
        }
        for (;;) {
            BreakerState s = current;
            if (epoch != ANY_EPOCH && epoch != s.epoch) {
                return; // let through in an earlier state: stale for this one
            }
            switch (s.state) {
                case CLOSED: {
                    // The closed state object holds the window for as long as it is current: record once, then
                    // judge; a lost CAS means another thread already moved the breaker on.
                    long now = ticker.read();
                    Tally tally = s.window.record(outcome, now);
                    if (config.trips(tally.calls(), tally.failures(), tally.slowCalls(),
                            config.effectiveMinimumCalls())) {
                        BreakerState opened = BreakerState.open(s.epoch + 1, now);
                        if (CURRENT.compareAndSet(this, s, opened)) {
                            transitionEvent(s, opened, now);
                        }
                    }
                    return;
                }
                case OPEN:
                    return;
                default: { // HALF_OPEN
                    if (s.finished >= s.permitted) {
                        return; // not a probe's outcome (manual API): nothing to count it against
                    }
                    BreakerState next = s.withProbeOutcome(outcome);
                    long now = ticker.read();
                    int probes = config.permittedCallsInHalfOpenState();
                    if (next.finished >= probes) {
                        next = config.trips(next.finished, next.failures, next.slowCalls, probes)
                                ? BreakerState.open(s.epoch + 1, now)
                                : BreakerState.closed(s.epoch + 1, newWindow());
                    }
                    if (CURRENT.compareAndSet(this, s, next)) {
                        if (next.state != State.HALF_OPEN) {
                            transitionEvent(s, next, now);
                        }
                        return;
                    }
                    break;
                }
            }
        }
    }

    private OutcomeWindow newWindow() {
        return config.windowType() == CircuitBreakerConfig.WindowType.COUNT_BASED
                ? new CountWindow(config.windowSize())
                : new TimeWindow(config.windowNanos(), config.bucketNanos());
    }

    private void transitionEvent(BreakerState from, BreakerState to, long now) {
        if (listeners.length > 0) {
            emit(new CircuitBreakerEvent(name, CircuitBreakerEvent.Kind.STATE_TRANSITION, from.state, to.state, 0L,
                    false, null, now));
        }
    }

    private void notPermittedEvent(BreakerState s, long now) {
        if (listeners.length > 0) {
            emit(new CircuitBreakerEvent(name, CircuitBreakerEvent.Kind.NOT_PERMITTED, s.state, s.state, 0L, false,
                    null, now));
        }
    }

    private void emit(CircuitBreakerEvent event) {
        for (CircuitBreakerListener listener : listeners) { // one read of the array: a concurrent add is not seen
            try {
                listener.onEvent(event);
            } catch (RuntimeException ignored) {
                // A failing listener must not change the breaker's decisions nor the caller's outcome.
            }
        }
    }

    /** Builds a {@link CircuitBreaker}; each setter checks its argument at once. */
    public static final class Builder {

        private String name = "circuit-breaker";
        private CircuitBreakerConfig config = CircuitBreakerConfig.defaults();
        private Ticker ticker = Ticker.system();
        private final List<CircuitBreakerListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * The breaker's name.
         *
         * @param name not null nor empty
         * @return this builder
         * @throws IllegalArgumentException if null or empty
         */
        public Builder name(String name) {
            Arguments.requireNonNull("name", name);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("name must not be empty");
            }
            this.name = name;
            return this;
        }

        /**
         * The breaker's policy.
         *
         * @param config the policy
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder config(CircuitBreakerConfig config) {
            this.config = Arguments.requireNonNull("config", config);
            return this;
        }

        /**
         * The source of time for durations, windows and the open wait.
         *
         * @param ticker the ticker
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Arguments.requireNonNull("ticker", ticker);
            return this;
        }

        /**
         * Adds a listener of the breaker's events.
         *
         * @param listener the listener
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder listener(CircuitBreakerListener listener) {
            listeners.add(Arguments.requireNonNull("listener", listener));
            return this;
        }

        /**
         * Builds the breaker, closed with an empty window.
         *
         * @return the breaker
         */
        public CircuitBreaker build() {
            return new CircuitBreaker(this);
        }
    }
}
