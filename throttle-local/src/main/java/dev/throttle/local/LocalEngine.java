package dev.throttle.local;

import dev.throttle.AllOf;
import dev.throttle.ClientSideThrottling;
import dev.throttle.Concurrency;
import dev.throttle.Engine;
import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.RateLimiter;
import dev.throttle.Scheduler;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.Ticker;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.AllOfLimiter;
import dev.throttle.kernel.Arguments;
import dev.throttle.local.adaptive.ClientSideThrottle;
import dev.throttle.local.limiters.BucketLimiter;
import dev.throttle.local.limiters.ConcurrencyLimiter;
import dev.throttle.local.limiters.FixedWindowLimiter;
import dev.throttle.local.limiters.KeyedBucketLimiter;
import dev.throttle.local.limiters.LocalKeyedLimiter;
import dev.throttle.local.limiters.Reconfigurable;
import dev.throttle.local.limiters.SlidingLogLimiter;
import dev.throttle.local.limiters.SlidingWindowLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The in-process engine: enforces every spec in this JVM's memory with lock-free limiters.
 *
 * <pre>{@code
 * LocalEngine engine = LocalEngine.create();
 * RateLimiter api = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));
 * if (api.allow()) { ... }
 * }</pre>
 *
 * <p>Each spec has its limiter, named after it: {@link TokenBucket} and {@link LeakyBucket} a bucket limiter (the
 * generic cell rate algorithm, one CAS per decision), {@link FixedWindow} and {@link SlidingWindow} window counters,
 * {@link SlidingLog} a ring of timestamps, {@link Concurrency} a bulkhead with a lock-free wait queue,
 * {@link ClientSideThrottling} a {@link ClientSideThrottle}, and {@link AllOf} the kernel's all-or-nothing composite
 * over limiters of its parts.
 *
 * <p>All limiters of one engine read time from its {@link Ticker} and wait on its {@link Scheduler}; tests give it a
 * manual clock. Engines are immutable and thread-safe; make one and share it. Every call makes a new limiter with a
 * state of its own, whatever its name: share the limiter to share the limit.
 */
public final class LocalEngine implements Engine {

    private final Ticker ticker;
    private final Scheduler scheduler;

    private LocalEngine(Builder builder) {
        this.ticker = builder.ticker;
        this.scheduler = builder.scheduler;
    }

    /**
     * An engine on the system clock and the shared scheduler.
     *
     * @return the engine
     */
    public static LocalEngine create() {
        return builder().build();
    }

    /**
     * A builder, to inject a ticker or a scheduler.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The engine's clock.
     *
     * @return the ticker
     */
    public Ticker ticker() {
        return ticker;
    }

    /**
     * The scheduler the engine's limiters wait on.
     *
     * @return the scheduler
     */
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public Limiter limiter(String name, LimitSpec spec) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        return spec.accept(new LocalLimiters(name, null));
    }

    @Override
    public RateLimiter rateLimiter(String name, LimitSpec spec) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        if (!spec.isRate()) {
            throw new IllegalArgumentException("spec = " + spec + " is not a rate spec: its permits are held until"
                    + " closed; use limiter()");
        }
        return (RateLimiter) spec.accept(new LocalLimiters(name, null));
    }

    @Override
    public <K> KeyedLimiter<K> keyed(String name, LimitSpec spec) {
        return keyed(name, spec, LocalEngine.KeyedOptions.defaults());
    }

    /**
     * Creates a limiter per key, all enforcing one spec, with tuning options. A key's state is forgotten only once it
     * has returned to rest, so memory stays bounded by the recently active keys and forgetting changes no decision.
     * For an {@link AllOf}, the shared parts are one limiter for every key and only the per-key parts are the key's.
     * A {@link TokenBucket} or {@link LeakyBucket} keeps each key's whole state (one word) inline in the keyed
     * limiter's own map, about 40 bytes per key plus the key; the other specs hold a limiter per key in a cache.
     *
     * @param name the name shared by every key's limiter
     * @param spec the limit
     * @param options initial capacity, and the grace before an idle concurrency key is forgotten
     * @param <K> the key type
     * @return the keyed limiter
     * @throws IllegalArgumentException if the name is null or empty, or the spec or options are null
     */
    public <K> KeyedLimiter<K> keyed(String name, LimitSpec spec, LocalEngine.KeyedOptions options) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        Arguments.requireNonNull("options", options);
        if (spec instanceof AllOf composite) {
            return keyedAllOf(name, composite, options);
        }
        if (spec instanceof TokenBucket || spec instanceof LeakyBucket) {
            // A bucket's whole state is one word: kept inline in the keyed limiter's own map, no limiter per key.
            return new KeyedBucketLimiter<>(name, spec, options, ticker, scheduler);
        }
        Supplier<Limiter> perKey = () -> spec.accept(new LocalLimiters(name, null));
        return new LocalKeyedLimiter<>(name, spec, new LocalKeyedLimiter.KeyState(spec.restNanos(), !spec.isRate()),
                options, ticker, perKey);
    }

    /** A keyed composite: its shared parts made once, its per-key parts per key. */
    private <K> KeyedLimiter<K> keyedAllOf(String name, AllOf spec, LocalEngine.KeyedOptions options) {
        List<Limiter> shared = new ArrayList<>();
        long rest = 0L;
        boolean held = false;
        for (AllOf.Part part : spec.parts()) {
            if (part.perKey()) {
                rest = Math.max(rest, part.spec().restNanos());
                held |= !part.spec().isRate();
                shared.add(null);
            } else {
                shared.add(limiter(part.name(), part.spec()));
            }
        }
        Supplier<Limiter> perKey = () -> spec.accept(new LocalLimiters(name, shared));
        return new LocalKeyedLimiter<>(name, spec, new LocalKeyedLimiter.KeyState(rest, held), options, ticker,
                perKey);
    }

    /**
     * Changes a limiter's limit live: a rate, a window's limit, a bucket's capacity, a concurrency limit. Each
     * limiter documents what carries over (permits granted stay counted).
     *
     * @param limiter a limiter made by a local engine
     * @param spec the new spec, of the limiter's algorithm
     * @throws IllegalArgumentException if an argument is null, the limiter cannot change live (a sliding log, a
     *     composite, a limiter of another engine), or the spec is of another algorithm
     */
    public static void reconfigure(Limiter limiter, LimitSpec spec) {
        Arguments.requireNonNull("limiter", limiter);
        Arguments.requireNonNull("spec", spec);
        if (!(limiter instanceof Reconfigurable reconfigurable)) {
            throw new IllegalArgumentException("limiter = " + limiter.name() + " (" + limiter.spec()
                    + ") cannot be reconfigured live");
        }
        reconfigurable.reconfigure(spec);
    }

    private static void requireName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be null or empty");
        }
    }

    @Override
    public void close() {
        // The local engine holds nothing to release.
    }

    /**
     * The engine for logs: its clock, {@code LocalEngine[system clock]}, or the ticker it was given
     * ({@code LocalEngine[ticker ManualClock[0 ns, 0 tasks pending]]}).
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "LocalEngine[" + (ticker == Ticker.system() ? "system clock" : "ticker " + ticker) + "]";
    }

    /**
     * The local engine's one mapping of every spec to its limiter. A composite's parts are limiters of their own
     * names; in a keyed composite the shared ones are given, made once for every key.
     */
    private final class LocalLimiters implements LimitSpec.Visitor<Limiter> {

        private final String name;
        /** A keyed composite's shared parts by position (null where a part is per key), or null. */
        private final List<Limiter> sharedParts;

        LocalLimiters(String name, List<Limiter> sharedParts) {
            this.name = name;
            this.sharedParts = sharedParts;
        }

        @Override
        public Limiter fixedWindow(FixedWindow spec) {
            return new FixedWindowLimiter(name, spec, ticker, scheduler);
        }

        @Override
        public Limiter slidingLog(SlidingLog spec) {
            return new SlidingLogLimiter(name, spec, ticker, scheduler);
        }

        @Override
        public Limiter slidingWindow(SlidingWindow spec) {
            return new SlidingWindowLimiter(name, spec, ticker, scheduler);
        }

        @Override
        public Limiter tokenBucket(TokenBucket spec) {
            return new BucketLimiter(name, spec, ticker, scheduler);
        }

        @Override
        public Limiter leakyBucket(LeakyBucket spec) {
            return new BucketLimiter(name, spec, ticker, scheduler);
        }

        @Override
        public Limiter concurrency(Concurrency spec) {
            return new ConcurrencyLimiter(name, spec, ticker, scheduler);
        }

        @Override
        public Limiter allOf(AllOf spec) {
            List<Limiter> parts = new ArrayList<>(spec.parts().size());
            for (int i = 0; i < spec.parts().size(); i++) {
                AllOf.Part part = spec.parts().get(i);
                if (sharedParts != null && sharedParts.get(i) != null) {
                    parts.add(sharedParts.get(i));
                } else if (part.perKey() && sharedParts == null) {
                    throw new IllegalArgumentException("part " + part.name() + " of " + name
                            + " is per key: make the composite with keyed()");
                } else {
                    parts.add(part.spec().accept(new LocalLimiters(part.name(), null)));
                }
            }
            return AllOfLimiter.of(name, ticker, scheduler, parts);
        }

        @Override
        public Limiter clientSideThrottling(ClientSideThrottling spec) {
            return ClientSideThrottle.builder(name).spec(spec).ticker(ticker).scheduler(scheduler).build();
        }
    }

    /**
     * Tuning of a keyed limiter of the local engine; none of it changes a decision.
     *
     * @param initialCapacity the number of keys to make room for up front, 0 or more
     * @param idleGrace how long the state of a concurrency key (a spec with {@code restNanos() == 0}) is kept once no
     *     permit of it is held; zero up to {@link dev.throttle.LimitSpec#MAX_DURATION}. Rate keys are kept for their spec's
     *     {@code restNanos()} instead, which is exactly as long as their state matters.
     */
    public record KeyedOptions(int initialCapacity, Duration idleGrace) {

        /** The default grace for concurrency keys at rest: one minute, so a busy key is not rebuilt between requests. */
        public static final Duration DEFAULT_IDLE_GRACE = Duration.ofMinutes(1);

        /** The default initial capacity, Caffeine's own default. */
        public static final int DEFAULT_INITIAL_CAPACITY = 16;

        /**
         * Validates the options.
         *
         * @param initialCapacity the number of keys to make room for up front, 0 or more
         * @param idleGrace how long the state of a concurrency key (a spec with {@code restNanos() == 0}) is kept once no
         * @throws IllegalArgumentException if {@code initialCapacity} is negative or {@code idleGrace} is null, negative
         *     or longer than {@link dev.throttle.LimitSpec#MAX_DURATION}
         */
        public KeyedOptions {
            Arguments.requireInRange("initialCapacity", initialCapacity, 0, Integer.MAX_VALUE);
            Arguments.waitNanos("idleGrace", idleGrace);
        }

        /**
         * The defaults: {@value #DEFAULT_INITIAL_CAPACITY} keys, a grace of one minute.
         *
         * @return the default options
         */
        public static LocalEngine.KeyedOptions defaults() {
            return new LocalEngine.KeyedOptions(DEFAULT_INITIAL_CAPACITY, DEFAULT_IDLE_GRACE);
        }

        /**
         * A copy with another initial capacity.
         *
         * @param keys the number of keys to make room for, 0 or more
         * @return the new options
         * @throws IllegalArgumentException if {@code keys} is negative
         */
        public LocalEngine.KeyedOptions withInitialCapacity(int keys) {
            return new LocalEngine.KeyedOptions(keys, idleGrace);
        }

        /**
         * A copy with another grace for concurrency keys at rest.
         *
         * @param grace zero up to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @return the new options
         * @throws IllegalArgumentException if {@code grace} is null, negative or too long
         */
        public LocalEngine.KeyedOptions withIdleGrace(Duration grace) {
            return new LocalEngine.KeyedOptions(initialCapacity, grace);
        }
    }

    /** Builds a {@link LocalEngine}. */
    public static final class Builder {
        private Ticker ticker = Ticker.system();
        private Scheduler scheduler = Scheduler.shared();

        private Builder() {
        }

        /**
         * Sets the clock every limiter reads (default: {@link Ticker#system()}).
         *
         * @param ticker the ticker
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Arguments.requireNonNull("ticker", ticker);
            return this;
        }

        /**
         * Sets the scheduler waiting acquisitions use (default: {@link Scheduler#shared()}).
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
            return this;
        }

        /**
         * Builds the engine.
         *
         * @return the engine
         */
        public LocalEngine build() {
            return new LocalEngine(this);
        }
    }
}
