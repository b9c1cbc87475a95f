package dev.throttle.local.resilience;

import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.Durations;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Stops calling a service that keeps failing or answering slowly, and probes it before trusting it again.
 *
 * <ul>
 *   <li>CLOSED: calls go through; their outcomes fill a window (the last N calls, or the last D of time). Once the
 *   window holds {@link Config#minimumNumberOfCalls()} calls, a failure ratio or slow-call ratio at or above its
 *   threshold opens the breaker.</li>
 *   <li>OPEN: calls are refused with {@link CallNotPermittedException} for {@link Config#waitDurationInOpenState()};
 *   the first request after it moves to half-open.</li>
 *   <li>HALF_OPEN: {@link Config#permittedCallsInHalfOpenState()} probe calls go through, others are refused. When
 *   every probe has finished, their ratios decide: at or above a threshold, open again; below both, closed with an
 *   empty window.</li>
 * </ul>
 *
 * <p>Two ways to use it: wrap calls ({@link #call}, {@link #run}, {@link #callAsync}), which measure the duration with
 * the breaker's {@link Ticker} and match each outcome with the state the call was let through in (an outcome of a
 * call let through before a transition is dropped: it says nothing about the new state); or drive it by hand
 * ({@link #tryAcquirePermission()}, then {@link #onSuccess} or {@link #onError}, or {@link #releasePermission()} if
 * the call is not made), in which case outcomes are applied to whatever state the breaker is in when they arrive. A
 * probe that never reports its outcome keeps the breaker half-open.
 *
 * <p>Thread-safe: the state is an immutable object swapped by CAS (a half-open probe count, a transition), read
 * without a lock; while closed, each outcome goes to a window in one short critical section (see
 * {@code GuardedWindow}: a few plain writes to a ring of outcome bytes or to time buckets, and the running counts),
 * which allocates nothing, and the window judges itself; a success into a count window full of successes changes
 * nothing and skips even that. A call reads the ticker twice, for its duration. The
 * breaker reads time only through its ticker. An open breaker moves to half-open on the next permission request,
 * not by itself: {@link #state()} may report OPEN after the wait has passed.
 *
 * <p>Its policy is a {@link Config}; what it does can be followed through its {@link Event}s
 * ({@link Builder#listener}, {@link #addListener}). Each change of state is also logged at INFO through
 * {@link System.Logger} (logger {@code dev.throttle.local.resilience}) with its reason, for example
 * {@code Circuit breaker db: CLOSED -> OPEN: failure rate 60% (threshold 50%) over the last 10 calls; calls are
 * refused for 1 min}: never a line per call, and at most one line of each kind of change every ten seconds, with a
 * count of those left out.
 *
 * <pre>{@code
 * CircuitBreaker breaker = CircuitBreaker.builder().name("billing")
 *         .config(CircuitBreaker.Config.builder().countWindow(50).failureRateThreshold(0.5).build())
 *         .build();
 * Invoice invoice = breaker.call(() -> billing.fetch(id));
 * }</pre>
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

    /**
     * Something a breaker did: a call outcome it recorded, a call it refused, or a change of state. Listeners
     * ({@link Builder#listener}, {@link #addListener}) receive events on the thread that caused them, so events of
     * different threads may arrive in any order.
     *
     * @param breaker the breaker's name
     * @param kind what happened
     * @param state the state the event happened in; for a transition, the state left
     * @param newState for a transition, the state entered; otherwise the same as {@code state}
     * @param durationNanos for an outcome, the call's duration; otherwise 0
     * @param slow for an outcome, whether the call was slow
     * @param failure for an outcome, what the call threw (null for a call that returned, including a result counted
     *     as a failure); otherwise null
     * @param atNanos the breaker's ticker reading when the event happened
     */
    public record Event(String breaker, Kind kind, State state, State newState, long durationNanos, boolean slow,
            Throwable failure, long atNanos) {

        /** What happened. */
        public enum Kind {
            /**
             * A call succeeded: it returned a result not counted as a failure, or threw a failure that
             * {@link Config#recordFailure()} does not count (the event carries it).
             */
            SUCCESS,
            /**
             * A call failed in a way that counts against the service: it threw a failure
             * {@link Config#recordFailure()} counts, or returned a result {@link Config#recordResult()} counts (then
             * the event carries no failure).
             */
            FAILURE,
            /**
             * A call threw a failure {@link Config#ignoreFailure()} ignores: counted neither as a success nor as a
             * failure; a half-open breaker lets another probe through in its place.
             */
            IGNORED_FAILURE,
            /** A call was refused: the breaker is open, or half-open with every probe taken. */
            NOT_PERMITTED,
            /** The breaker changed state. */
            STATE_TRANSITION
        }
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
            LISTENERS = MethodHandles.lookup().findVarHandle(CircuitBreaker.class, "listeners", Consumer[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Config config;
    /** The config's values, read directly on every decision. */
    private final BreakerSettings settings;
    private final Ticker ticker;
    /** Writes each change of state to the log, rate-limited. */
    private final BreakerLog log;
    /** Copy-on-write: replaced whole by {@link #addListener}, so emitting reads one array without a lock. */
    private volatile Consumer<Event>[] listeners;
    @SuppressWarnings("unused") // accessed through CURRENT
    private volatile BreakerState current;

    private CircuitBreaker(Builder builder) {
        this.name = builder.name;
        this.config = builder.config;
        this.ticker = builder.ticker;
        this.settings = config.settings;
        this.log = new BreakerLog(name, settings, builder.logger, ticker);
        this.listeners = listenerArray(builder.listeners);
        this.current = BreakerState.closed(0L, settings.newWindow());
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
     * <p>A listener is called on the thread that caused the event, before the breaker's method returns: it must be
     * quick, and must not call back into the breaker's state changes. A {@link RuntimeException} it throws is
     * ignored, so that a faulty listener cannot change the breaker's decisions nor the caller's outcome.
     *
     * @param listener receives each event
     * @throws IllegalArgumentException if null
     */
    public void addListener(Consumer<Event> listener) {
        Arguments.requireNonNull("listener", listener);
        for (;;) {
            Consumer<Event>[] old = listeners;
            Consumer<Event>[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = listener;
            if (LISTENERS.compareAndSet(this, old, grown)) {
                return;
            }
        }
    }

    /** The listeners as an array: one cannot be created with a generic element type, so it is made unchecked. */
    @SuppressWarnings("unchecked") // holds nothing but the Consumer<Event>s of the list
    private static Consumer<Event>[] listenerArray(List<Consumer<Event>> listeners) {
        return (Consumer<Event>[]) listeners.toArray(new Consumer<?>[0]);
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
    public Config config() {
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
        return Math.max(0L, settings.waitDurationInOpenStateNanos - (ticker.read() - s.openedAt));
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
        record(ANY_EPOCH, durationNanos, null, null, ticker.read());
    }

    /**
     * Reports a failed call: ignored if {@link Config#ignoreFailure()} says so, else a failure if
     * {@link Config#recordFailure()} says so, else a success.
     *
     * @param durationNanos how long it took, 0 or more
     * @param failure what it threw
     * @throws IllegalArgumentException if the duration is negative or the failure null
     */
    public void onError(long durationNanos, Throwable failure) {
        Arguments.requireNonNegative("durationNanos", durationNanos);
        Arguments.requireNonNull("failure", failure);
        record(ANY_EPOCH, durationNanos, failure, null, ticker.read());
    }

    /**
     * Reports a call that returned: a failure if {@link Config#recordResult()} counts its result (an HTTP 503
     * returned, not thrown), else a success.
     *
     * @param durationNanos how long it took, 0 or more
     * @param result what it returned, possibly null
     * @throws IllegalArgumentException if the duration is negative
     */
    public void onResult(long durationNanos, Object result) {
        Arguments.requireNonNegative("durationNanos", durationNanos);
        record(ANY_EPOCH, durationNanos, null, result, ticker.read());
    }

    /**
     * Makes a call if the breaker permits it, and records its outcome (what it threw, or what it returned) and
     * duration.
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
        // Two readings of time per call, for its duration: the end one also stamps what the outcome causes.
        long start = ticker.read();
        T result;
        try {
            result = task.call();
        } catch (Throwable failure) {
            long end = ticker.read();
            record(epoch, end - start, failure, null, end);
            throw failure;
        }
        long end = ticker.read();
        record(epoch, end - start, null, result, end);
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
            long end = ticker.read();
            record(epoch, end - start, failure, null, end);
            throw failure;
        }
        long end = ticker.read();
        record(epoch, end - start, null, null, end);
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
            long end = ticker.read();
            try {
                record(epoch, end - start, failure, null, end);
            } catch (RuntimeException | Error broken) {
                return CompletableFuture.failedFuture(broken); // a throwing classifier, as on the stage's path
            }
            return CompletableFuture.failedFuture(failure);
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        stage.whenComplete((value, failure) -> {
            // Recorded before the caller's future completes, so a caller reacting to it sees the updated breaker.
            long end = ticker.read();
            try {
                record(epoch, end - start, Failures.unwrap(failure), failure == null ? value : null, end);
            } catch (RuntimeException | Error broken) {
                result.completeExceptionally(broken); // a throwing classifier, as call() would throw it
                return;
            }
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        });
        return result;
    }

    /**
     * The breaker for logs and debuggers: its name, its state and what it judges now, for example
     * {@code CircuitBreaker[db: CLOSED, 40 calls in the window, 3 failed, 1 slow]},
     * {@code CircuitBreaker[db: OPEN, 12 s until probing]} or
     * {@code CircuitBreaker[db: HALF_OPEN, 2 of 10 probes finished, 1 failed, 0 slow]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        BreakerState s = current;
        switch (s.state) {
            case CLOSED: {
                Tally tally = s.window.tally(ticker.read());
                return "CircuitBreaker[" + name + ": CLOSED, " + tally.calls()
                        + (tally.calls() == 1L ? " call" : " calls") + " in the window, " + tally.failures()
                        + " failed, " + tally.slowCalls() + " slow]";
            }
            case OPEN: {
                long left = remainingOpenNanos();
                return "CircuitBreaker[" + name + ": OPEN, "
                        + (left > 0L ? Durations.text(left) + " until probing" : "probing on the next call") + "]";
            }
            default:
                return "CircuitBreaker[" + name + ": HALF_OPEN, " + s.finished + " of "
                        + settings.permittedCallsInHalfOpenState + " probes finished, " + s.failures + " failed, "
                        + s.slowCalls + " slow]";
        }
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
        BreakerState closed = current;
        if (closed.state == State.CLOSED) {
            return closed.epoch; // the usual case, tested before the switch and its table lookups
        }
        for (;;) {
            BreakerState s = current;
            switch (s.state) {
                case CLOSED:
                    return s.epoch;
                case OPEN: {
                    long now = ticker.read();
                    if (now - s.openedAt < settings.waitDurationInOpenStateNanos) {
                        notPermittedEvent(s, now);
                        return DENIED;
                    }
                    BreakerState probing = BreakerState.halfOpen(s.epoch + 1, 1);
                    if (CURRENT.compareAndSet(this, s, probing)) {
                        log.halfOpened();
                        transitionEvent(s, probing, now);
                        return probing.epoch;
                    }
                    break;
                }
                default: // HALF_OPEN
                    if (s.permitted >= settings.permittedCallsInHalfOpenState) {
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
     * Records a call's outcome, as {@link OutcomeClassifier} classifies it. An ignored one changes no count; its
     * permission is given back, so a half-open breaker lets another probe through.
     *
     * @param epoch the epoch it was let through in, or {@link #ANY_EPOCH}
     * @param durationNanos its duration
     * @param failure what it threw, or null if it returned
     * @param result what it returned (null if it threw)
     * @param now the ticker's reading at the call's end (the one its duration was measured with, if it was): the time
     *     of its event, and of an opening it causes
     */
    void record(long epoch, long durationNanos, Throwable failure, Object result, long now) {
        int classified;
        try {
            classified = settings.classifier.classify(failure, result);
        } catch (RuntimeException | Error broken) {
            // A throwing recordFailure, ignoreFailure or recordResult predicate judges nothing: the call counts as
            // ignored, so a half-open probe gives its permission back instead of keeping the breaker half-open.
            release(epoch);
            throw broken;
        }
        boolean slow = durationNanos >= settings.slowCallDurationNanos;
        if (listeners.length > 0) {
            BreakerState observed = current;
            Event.Kind kind = classified == OutcomeClassifier.SUCCESS ? Event.Kind.SUCCESS
                    : classified == OutcomeClassifier.FAILURE ? Event.Kind.FAILURE : Event.Kind.IGNORED_FAILURE;
            emit(new Event(name, kind, observed.state, observed.state, durationNanos, slow, failure, now));
        }
        if (classified == OutcomeClassifier.IGNORED) {
            release(epoch);
            return;
        }
        int outcome = Outcomes.of(classified == OutcomeClassifier.FAILURE, slow);
        for (;;) {
            BreakerState s = current;
            if (epoch != ANY_EPOCH && epoch != s.epoch) {
                return; // let through in an earlier state: stale for this one
            }
            switch (s.state) {
                case CLOSED: {
                    // The closed state object holds the window for as long as it is current: record once, the
                    // window judging itself; a lost CAS means another thread already moved the breaker on.
                    Tally tally = s.window.record(outcome, now);
                    if (tally != null) {
                        BreakerState opened = BreakerState.open(s.epoch + 1, now);
                        if (CURRENT.compareAndSet(this, s, opened)) {
                            log.opened(tally.calls(), tally.failures(), tally.slowCalls());
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
                    BreakerState judged = s.withProbeOutcome(outcome);
                    BreakerState next = judged;
                    int probes = settings.permittedCallsInHalfOpenState;
                    if (judged.finished >= probes) {
                        next = settings.trips(judged.finished, judged.failures, judged.slowCalls, probes)
                                ? BreakerState.open(s.epoch + 1, now)
                                : BreakerState.closed(s.epoch + 1, settings.newWindow());
                    }
                    if (CURRENT.compareAndSet(this, s, next)) {
                        if (next.state == State.OPEN) {
                            log.reopened(judged.finished, judged.failures, judged.slowCalls);
                        } else if (next.state == State.CLOSED) {
                            log.closed(judged.finished, judged.failures, judged.slowCalls);
                        }
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

    private void transitionEvent(BreakerState from, BreakerState to, long now) {
        if (listeners.length > 0) {
            emit(new Event(name, Event.Kind.STATE_TRANSITION, from.state, to.state, 0L, false, null, now));
        }
    }

    private void notPermittedEvent(BreakerState s, long now) {
        if (listeners.length > 0) {
            emit(new Event(name, Event.Kind.NOT_PERMITTED, s.state, s.state, 0L, false, null, now));
        }
    }

    private void emit(Event event) {
        for (Consumer<Event> listener : listeners) { // one read of the array: a concurrent add is not seen
            try {
                listener.accept(event);
            } catch (RuntimeException ignored) {
                // A failing listener must not change the breaker's decisions nor the caller's outcome.
            }
        }
    }

    /** Builds a {@link CircuitBreaker}; each setter checks its argument at once. */
    public static final class Builder {

        private String name = "circuit-breaker";
        private Config config = Config.defaults();
        private Ticker ticker = Ticker.system();
        private System.Logger logger = BreakerLog.LOGGER;
        private final List<Consumer<Event>> listeners = new ArrayList<>();

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
        public Builder config(Config config) {
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
         * Adds a listener of the breaker's events; the same rules as {@link CircuitBreaker#addListener} apply.
         *
         * @param listener receives each event
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder listener(Consumer<Event> listener) {
            listeners.add(Arguments.requireNonNull("listener", listener));
            return this;
        }

        /**
         * Where the breaker writes its changes of state, instead of the package's logger: for tests, which capture
         * the lines without touching the global logging configuration.
         *
         * @param logger the logger
         * @return this builder
         */
        Builder logger(System.Logger logger) {
            this.logger = Arguments.requireNonNull("logger", logger);
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

    /**
     * The immutable policy of a breaker: how outcomes are windowed, when the breaker trips, how long it stays open
     * and how it probes its way back. One policy can be shared by many breakers.
     *
     * <p>Defaults: a count window of the last 100 calls, judged from 100 calls on; trips at a failure ratio of 0.5 or
     * a slow-call ratio of 1.0 (slow: 60 s or more); stays open 60 s; lets 10 probe calls through when half-open;
     * every throwable counts as a failure.
     */
    public static final class Config {

        /** How the closed breaker's window of recent outcomes is delimited. */
        public enum WindowType {
            /** The last {@link Config#windowSize()} calls. */
            COUNT_BASED,
            /** The calls of the last {@link Config#window()} of time, counted in buckets. */
            TIME_BASED
        }

        /** The most calls a count window holds. */
        public static final int MAX_WINDOW_SIZE = 1 << 20;

        /** The most buckets a time window holds: each judgement sums them, so they must stay few. */
        public static final int MAX_BUCKETS = 1024;

        private static final Config DEFAULTS = new Config(BreakerSettings.DEFAULTS);

        /** The checked values and the rules applied with them; see {@code BreakerSettings}. */
        final BreakerSettings settings;

        private Config(BreakerSettings settings) {
            this.settings = settings;
        }

        /**
         * The default policy.
         *
         * @return the defaults
         */
        public static Config defaults() {
            return DEFAULTS;
        }

        /**
         * A builder starting from the defaults.
         *
         * @return the builder
         */
        public static Builder builder() {
            return new Builder(BreakerSettings.DEFAULTS);
        }

        /**
         * A builder starting from this policy, to derive another.
         *
         * @return the builder
         */
        public Builder toBuilder() {
            return new Builder(settings);
        }

        /**
         * How the window is delimited.
         *
         * @return the window type
         */
        public WindowType windowType() {
            return settings.windowType;
        }

        /**
         * The calls a count window holds (meaningful for {@link WindowType#COUNT_BASED}).
         *
         * @return the size
         */
        public int windowSize() {
            return settings.windowSize;
        }

        /**
         * The time a time window spans (meaningful for {@link WindowType#TIME_BASED}).
         *
         * @return the window
         */
        public Duration window() {
            return Duration.ofNanos(settings.windowNanos);
        }

        /**
         * The granularity of a time window: outcomes leave the window a bucket at a time.
         *
         * @return the bucket
         */
        public Duration bucket() {
            return Duration.ofNanos(settings.bucketNanos);
        }

        /**
         * The failure ratio, over the window, at or above which the breaker opens.
         *
         * @return a ratio in (0, 1]
         */
        public double failureRateThreshold() {
            return settings.failureRateThreshold;
        }

        /**
         * The slow-call ratio, over the window, at or above which the breaker opens.
         *
         * @return a ratio in (0, 1]
         */
        public double slowCallRateThreshold() {
            return settings.slowCallRateThreshold;
        }

        /**
         * The duration from which a call is slow.
         *
         * @return the duration
         */
        public Duration slowCallDuration() {
            return Duration.ofNanos(settings.slowCallDurationNanos);
        }

        /**
         * The calls the window must hold before ratios are judged; for a count window, at most its size counts.
         *
         * @return 1 or more
         */
        public int minimumNumberOfCalls() {
            return settings.minimumNumberOfCalls;
        }

        /**
         * How long the breaker stays open before letting probe calls through.
         *
         * @return the wait
         */
        public Duration waitDurationInOpenState() {
            return Duration.ofNanos(settings.waitDurationInOpenStateNanos);
        }

        /**
         * The probe calls let through when half-open; all must finish, and their ratios decide.
         *
         * @return 1 or more
         */
        public int permittedCallsInHalfOpenState() {
            return settings.permittedCallsInHalfOpenState;
        }

        /**
         * Which failures count against the service; the others count as successes.
         *
         * @return the predicate
         */
        public Predicate<Throwable> recordFailure() {
            return settings.classifier.recordFailure;
        }

        /**
         * Which thrown failures the breaker ignores: counted neither as successes nor as failures (default: none).
         *
         * @return the predicate
         */
        public Predicate<Throwable> ignoreFailure() {
            return settings.classifier.ignoreFailure;
        }

        /**
         * Which returned results count as failures (default: none).
         *
         * @return the predicate, over any result
         */
        public Predicate<Object> recordResult() {
            return settings.classifier.recordResult;
        }

        @Override
        public String toString() {
            return settings.toString();
        }

        /**
         * Builds a {@link Config}; each setter checks its argument at once, and one that throws leaves the builder
         * unchanged.
         */
        public static final class Builder {

            private BreakerSettings settings;

            private Builder(BreakerSettings settings) {
                this.settings = settings;
            }

            /**
             * Judges the last {@code size} calls.
             *
             * @param size the calls in the window, from 1 to {@link #MAX_WINDOW_SIZE}
             * @return this builder
             * @throws IllegalArgumentException if {@code size} is out of range
             */
            public Builder countWindow(int size) {
                settings = settings.countWindow(size);
                return this;
            }

            /**
             * Judges the calls of the last {@code window} of time, in buckets of one second.
             *
             * @param window the time spanned, a whole number of seconds, from 1 s to {@link #MAX_BUCKETS} s
             * @return this builder
             * @throws IllegalArgumentException if the window is null, not a whole number of seconds or out of range
             */
            public Builder timeWindow(Duration window) {
                return timeWindow(window, Duration.ofSeconds(1));
            }

            /**
             * Judges the calls of the last {@code window} of time, counted in buckets of {@code bucket}: the window
             * holds the current bucket and the {@code window / bucket - 1} before it, so an outcome leaves it between
             * {@code window - bucket} and {@code window} after it was recorded.
             *
             * @param window the time spanned, a whole number of buckets
             * @param bucket the granularity, from 1 ns; at most {@link #MAX_BUCKETS} buckets per window
             * @return this builder
             * @throws IllegalArgumentException if a duration is null or out of range, or the window is not a whole
             *     number of buckets
             */
            public Builder timeWindow(Duration window, Duration bucket) {
                settings = settings.timeWindow(window, bucket);
                return this;
            }

            /**
             * The failure ratio at or above which the breaker opens.
             *
             * @param threshold a ratio in (0, 1]
             * @return this builder
             * @throws IllegalArgumentException if out of range
             */
            public Builder failureRateThreshold(double threshold) {
                settings = settings.failureRateThreshold(threshold);
                return this;
            }

            /**
             * The slow-call ratio at or above which the breaker opens.
             *
             * @param threshold a ratio in (0, 1]
             * @return this builder
             * @throws IllegalArgumentException if out of range
             */
            public Builder slowCallRateThreshold(double threshold) {
                settings = settings.slowCallRateThreshold(threshold);
                return this;
            }

            /**
             * The duration from which a call is slow (a call lasting exactly this long is slow).
             *
             * @param duration from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
             * @return this builder
             * @throws IllegalArgumentException if null or out of range
             */
            public Builder slowCallDuration(Duration duration) {
                settings = settings.slowCallDuration(duration);
                return this;
            }

            /**
             * The calls the window must hold before it is judged.
             *
             * @param calls 1 or more
             * @return this builder
             * @throws IllegalArgumentException if below one
             */
            public Builder minimumNumberOfCalls(int calls) {
                settings = settings.minimumNumberOfCalls(calls);
                return this;
            }

            /**
             * How long the breaker stays open before letting probe calls through.
             *
             * @param wait from 0 to {@link dev.throttle.LimitSpec#MAX_DURATION}
             * @return this builder
             * @throws IllegalArgumentException if null or out of range
             */
            public Builder waitDurationInOpenState(Duration wait) {
                settings = settings.waitDurationInOpenState(wait);
                return this;
            }

            /**
             * The probe calls let through when half-open.
             *
             * @param calls 1 or more
             * @return this builder
             * @throws IllegalArgumentException if below one
             */
            public Builder permittedCallsInHalfOpenState(int calls) {
                settings = settings.permittedCallsInHalfOpenState(calls);
                return this;
            }

            /**
             * Which failures count against the service (a timeout, a connection refused); the others (a validation
             * error of the caller's own making) count as successes.
             *
             * @param predicate true for a failure that counts
             * @return this builder
             * @throws IllegalArgumentException if null
             */
            public Builder recordFailure(Predicate<Throwable> predicate) {
                settings = settings.classifier(settings.classifier.withRecordFailure(predicate));
                return this;
            }

            /**
             * Which failures the breaker ignores: counted neither as successes nor as failures, whatever
             * {@link #recordFailure} says (an exception of the caller's own making, a cancellation). A half-open
             * breaker lets another probe through in place of an ignored one. Default: none.
             *
             * @param predicate true for a failure to ignore
             * @return this builder
             * @throws IllegalArgumentException if null
             */
            public Builder ignoreFailure(Predicate<Throwable> predicate) {
                settings = settings.classifier(settings.classifier.withIgnoreFailure(predicate));
                return this;
            }

            /**
             * Which returned results count as failures: results of {@code type} the predicate accepts, for a service
             * that reports trouble in what it returns (an HTTP response with status 503). Null and results of other
             * types are successes. Default: every result is a success.
             *
             * @param type the results' type
             * @param predicate true for a result that counts as a failure
             * @param <T> the results' type
             * @return this builder
             * @throws IllegalArgumentException if an argument is null
             */
            public <T> Builder recordResult(Class<T> type, Predicate<? super T> predicate) {
                settings = settings.classifier(settings.classifier.withRecordResult(type, predicate));
                return this;
            }

            /**
             * Builds the policy.
             *
             * @return the immutable policy
             */
            public Config build() {
                return new Config(settings);
            }
        }
    }
}
