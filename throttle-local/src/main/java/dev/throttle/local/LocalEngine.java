package dev.throttle.local;

import dev.throttle.Arguments;
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

/**
 * The in-process engine: enforces every spec in this JVM's memory with lock-free limiters.
 *
 * <pre>{@code
 * LocalEngine engine = LocalEngine.create();
 * RateLimiter api = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));
 * if (api.allow()) { ... }
 * }</pre>
 *
 * <p>All limiters of one engine read time from its {@link Ticker} and wait on its {@link Scheduler}; tests give it a
 * manual clock. Engines are immutable and thread-safe; make one and share it.
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
        if (spec instanceof Concurrency) {
            return new ConcurrencyLimiter(name, (Concurrency) spec, ticker, scheduler);
        }
        RateLimiter limiter = rateLimiterOrNull(name, spec);
        if (limiter == null) {
            throw new IllegalArgumentException("spec = " + spec + " is not supported by the local engine");
        }
        return limiter;
    }

    /**
     * Creates a rate limiter: a limiter with the allocation-free {@link RateLimiter#allow(long)} fast path.
     *
     * @param name the limiter's name
     * @param spec a rate spec: fixed window, sliding log, sliding window, token bucket or leaky bucket
     * @return the limiter
     * @throws IllegalArgumentException if the name is null or empty, or the spec is null or not a rate spec
     */
    public RateLimiter rateLimiter(String name, LimitSpec spec) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        RateLimiter limiter = rateLimiterOrNull(name, spec);
        if (limiter == null) {
            throw new IllegalArgumentException("spec = " + spec + " is not a rate spec");
        }
        return limiter;
    }

    @Override
    public <K> KeyedLimiter<K> keyed(String name, LimitSpec spec) {
        return keyed(name, spec, KeyedOptions.defaults());
    }

    /**
     * Creates a limiter per key, all enforcing one spec, with tuning options. A key's state is forgotten only once it
     * has returned to rest, so memory stays bounded by the recently active keys and forgetting changes no decision.
     *
     * @param name the name shared by every key's limiter
     * @param spec the limit
     * @param options initial capacity, and the grace before an idle concurrency key is forgotten
     * @param <K> the key type
     * @return the keyed limiter
     * @throws IllegalArgumentException if the name is null or empty, the spec or options are null, or the spec is
     *     not supported
     */
    public <K> KeyedLimiter<K> keyed(String name, LimitSpec spec, KeyedOptions options) {
        return new LocalKeyedLimiter<>(name, spec, options, ticker, this::limiter);
    }

    /**
     * Changes a limiter's limit live: a rate, a window's limit, a bucket's capacity, a concurrency limit. See
     * {@link Reconfigurable} for what carries over.
     *
     * @param limiter a limiter made by a local engine
     * @param spec the new spec, of the limiter's algorithm
     * @throws IllegalArgumentException if an argument is null, the limiter cannot change live (a sliding log, a
     *     limiter of another engine), or the spec is of another algorithm
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

    private RateLimiter rateLimiterOrNull(String name, LimitSpec spec) {
        if (spec instanceof TokenBucket || spec instanceof LeakyBucket) {
            return new GcraLimiter(name, spec, ticker, scheduler);
        }
        if (spec instanceof FixedWindow) {
            return new FixedWindowLimiter(name, spec, ticker, scheduler);
        }
        if (spec instanceof SlidingWindow) {
            return new SlidingWindowLimiter(name, spec, ticker, scheduler);
        }
        if (spec instanceof SlidingLog log) {
            return new SlidingLogLimiter(name, log, ticker, scheduler);
        }
        return null;
    }

    private static void requireName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be null or empty");
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
