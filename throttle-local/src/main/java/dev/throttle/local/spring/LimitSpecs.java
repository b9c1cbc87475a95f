package dev.throttle.local.spring;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.local.spring.ThrottleProperties.LimiterProperties;
import dev.throttle.local.spring.ThrottleProperties.LimiterType;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * Turns a limiter's properties into its {@link LimitSpec}: one place that maps each {@link LimiterType} to its spec's
 * factory, refusing a parameter the type does not take and naming the property of a value the spec refuses.
 */
final class LimitSpecs {

    /** The period of a bucket's rate when none is set. */
    static final Duration DEFAULT_PERIOD = Duration.ofSeconds(1);

    /** The library's name of a rate's permits, which properties call the rate. */
    private static final Map<String, String> ALIASES = Map.of("permits", "rate", "outflow", "rate", "refill", "rate");

    private LimitSpecs() {
    }

    /**
     * The spec of a limiter.
     *
     * @param path the limiter's path, such as {@code throttle.limiters.api}
     * @param limiter its properties
     * @return the spec
     * @throws ThrottlePropertyException naming the property at fault: a missing type or parameter, a parameter the type
     *     does not take, or a value out of the spec's range
     */
    static LimitSpec of(String path, LimiterProperties limiter) {
        if (limiter.type() == null) {
            throw new ThrottlePropertyException(path + ".type", "is required; one of " + Arrays.stream(
                    LimiterType.values()).map(LimitSpecs::kebab).collect(Collectors.joining(", ")));
        }
        List<String> takes = parameters(limiter);
        Map<String, Object> set = set(limiter);
        for (String property : set.keySet()) {
            if (!takes.contains(property)) {
                throw new ThrottlePropertyException(path + "." + property, "is not a parameter of a "
                        + kebab(limiter.type()) + " limiter; it takes " + String.join(", ", takes));
            }
        }
        return PropertyPaths.under(path, takes, ALIASES, () -> spec(path, limiter));
    }

    private static LimitSpec spec(String path, LimiterProperties limiter) {
        switch (limiter.type()) {
            case TOKEN_BUCKET:
                return TokenBucket.of(required(path, "capacity", limiter.capacity()), rate(path, limiter));
            case LEAKY_BUCKET:
                return limiter.maxDelay() == null
                        ? LeakyBucket.meter(required(path, "capacity", limiter.capacity()), rate(path, limiter))
                        : LeakyBucket.shaping(rate(path, limiter), limiter.maxDelay());
            case FIXED_WINDOW:
                return window(path, limiter, FixedWindow::of);
            case SLIDING_WINDOW:
                return window(path, limiter, SlidingWindow::of);
            case SLIDING_LOG:
                return window(path, limiter, SlidingLog::of);
            case CONCURRENCY:
                return new Concurrency(required(path, "limit", limiter.limit()),
                        limiter.maxQueue() == null ? 0 : limiter.maxQueue(),
                        limiter.queueOrder() == null ? Concurrency.QueueOrder.FIFO : limiter.queueOrder());
            default:
                throw new IllegalStateException("unknown limiter type " + limiter.type());
        }
    }

    private static LimitSpec window(String path, LimiterProperties limiter,
            BiFunction<Long, Duration, LimitSpec> factory) {
        return factory.apply(required(path, "limit", limiter.limit()), required(path, "window", limiter.window()));
    }

    private static Rate rate(String path, LimiterProperties limiter) {
        Duration period = limiter.period() == null ? DEFAULT_PERIOD : limiter.period();
        return Rate.of(required(path, "rate", limiter.rate()), period);
    }

    private static <T> T required(String path, String property, T value) {
        if (value == null) {
            throw new ThrottlePropertyException(path + "." + property, "is required");
        }
        return value;
    }

    /** The parameters a limiter of this type takes, in the order the documentation gives them. */
    private static List<String> parameters(LimiterProperties limiter) {
        switch (limiter.type()) {
            case TOKEN_BUCKET:
                return List.of("type", "capacity", "rate", "period");
            case LEAKY_BUCKET:
                // A shaping queue's capacity follows from its delay: setting both would say it twice.
                return limiter.maxDelay() == null ? List.of("type", "capacity", "rate", "period", "max-delay")
                        : List.of("type", "rate", "period", "max-delay");
            case CONCURRENCY:
                return List.of("type", "limit", "max-queue", "queue-order");
            default:
                return List.of("type", "limit", "window");
        }
    }

    /** The properties that were set, by name. */
    private static Map<String, Object> set(LimiterProperties limiter) {
        Map<String, Object> set = new LinkedHashMap<>();
        set.put("type", limiter.type());
        set.put("capacity", limiter.capacity());
        set.put("rate", limiter.rate());
        set.put("period", limiter.period());
        set.put("max-delay", limiter.maxDelay());
        set.put("limit", limiter.limit());
        set.put("window", limiter.window());
        set.put("max-queue", limiter.maxQueue());
        set.put("queue-order", limiter.queueOrder());
        set.values().removeIf(java.util.Objects::isNull);
        return set;
    }

    /** An enum constant as properties write it: {@code TOKEN_BUCKET} is {@code token-bucket}. */
    static String kebab(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
