package dev.throttle.kernel;

import dev.throttle.AllOf;
import dev.throttle.ClientSideThrottling;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.time.Duration;
import java.util.StringJoiner;

/**
 * Specs in words, for the {@code toString()} of the limiters that enforce them, on every engine: a token bucket of 10
 * refilled at 100 per second reads {@code token bucket 10, 100/s}, so that a limiter reads
 * {@code Limiter[api: token bucket 10, 100/s; 7 available]}. (A spec's own {@code toString()} names its record and
 * components instead: {@code TokenBucket[capacity=10, rate=100/s]}.)
 */
public final class SpecText {

    private static final LimitSpec.Visitor<String> WORDS = new LimitSpec.Visitor<>() {
        @Override
        public String fixedWindow(FixedWindow spec) {
            return "fixed window " + perWindow(spec.limit(), spec.window());
        }

        @Override
        public String slidingLog(SlidingLog spec) {
            return "sliding log " + perWindow(spec.limit(), spec.window());
        }

        @Override
        public String slidingWindow(SlidingWindow spec) {
            return "sliding window " + perWindow(spec.limit(), spec.window());
        }

        @Override
        public String tokenBucket(TokenBucket spec) {
            return "token bucket " + spec.capacity() + ", " + spec.refill();
        }

        @Override
        public String leakyBucket(LeakyBucket spec) {
            return spec.mode() == LeakyBucket.Mode.METER
                    ? "leaky bucket " + spec.capacity() + ", " + spec.outflow()
                    : "shaping queue " + spec.outflow() + ", max delay " + duration(spec.maxDelay());
        }

        @Override
        public String concurrency(Concurrency spec) {
            return "concurrency " + spec.limit() + (spec.maxQueue() == 0 ? "" : ", " + queue(spec));
        }

        @Override
        public String allOf(AllOf spec) {
            StringJoiner parts = new StringJoiner(", ", "all of ", "");
            for (AllOf.Part part : spec.parts()) {
                parts.add(part.name() + (part.perKey() ? " per key" : "") + " (" + describe(part.spec()) + ")");
            }
            return parts.toString();
        }

        @Override
        public String clientSideThrottling(ClientSideThrottling spec) {
            return "client-side throttling k=" + number(spec.k()) + " over " + duration(spec.window());
        }
    };

    private SpecText() {
    }

    /**
     * A spec in words: {@code token bucket 10, 100/s}, {@code fixed window 100 per 1 min},
     * {@code concurrency 20, queue 100 FIFO}, {@code all of global (token bucket 500, 500/s), per-client per key
     * (sliding window 100 per 1 min)}.
     *
     * @param spec the spec
     * @return the words
     */
    public static String describe(LimitSpec spec) {
        return spec.accept(WORDS);
    }

    /**
     * A limit per window: {@code 100 per 1 min}.
     *
     * @param limit the permits per window
     * @param window the window
     * @return the text
     */
    public static String perWindow(long limit, Duration window) {
        return limit + " per " + duration(window);
    }

    /**
     * A rate: permits per unit when the period is one whole unit ({@code 100/s}, {@code 6000/min}), else permits per
     * period ({@code 1/250 ms}, {@code 10/1.5 s}).
     *
     * @param permits the permits per period
     * @param period the period
     * @return the text
     */
    public static String rate(long permits, Duration period) {
        String text = duration(period);
        return permits + "/" + (text.startsWith("1 ") ? text.substring(2) : text);
    }

    /**
     * A duration as {@link Durations#text(long)} writes it: {@code 250 ms}, {@code 1 min}.
     *
     * @param duration a duration of at most {@link LimitSpec#MAX_DURATION}
     * @return the text
     */
    public static String duration(Duration duration) {
        return Durations.text(duration.toNanos());
    }

    /**
     * A concurrency spec's queue: {@code queue 100 FIFO}, or {@code no queue}.
     *
     * @param spec the spec
     * @return the text
     */
    public static String queue(Concurrency spec) {
        return spec.maxQueue() == 0 ? "no queue" : "queue " + spec.maxQueue() + " " + spec.order();
    }

    /**
     * A number without a useless fraction: {@code 2} for 2.0, {@code 1.5} for 1.5.
     *
     * @param value the number
     * @return the text
     */
    public static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : Double.toString(value);
    }

    /**
     * A ratio as a percentage with at most one decimal: {@code 50%}, {@code 33.3%}.
     *
     * @param ratio the ratio, 1 for 100 %
     * @return the text
     */
    public static String percent(double ratio) {
        return number(Math.round(ratio * 1000.0) / 10.0) + "%";
    }
}
