package dev.throttle.local.adaptive;

import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A backend's own "slow down until T" ({@code Retry-After} on a 429 or 503) as a {@link HealthSignal}: it reads 1.0
 * from the moment it is told until T, and 0.0 from T on. Told several times, it keeps the latest T: answers arrive
 * out of order, and the backend asked every caller to wait at least until each of them.
 *
 * <p>With a step limiter, thresholds such as {@code degradeAt = 1.0, recoverBelow = 0.5} step down while the backend
 * says so and recover, one step per up-cooldown, once T has passed.
 */
final class RetryAfterSignal implements HealthSignal.RetryAfter {

    private static final long NOT_THROTTLED = Long.MIN_VALUE;

    private final Ticker ticker;
    private final AtomicLong until = new AtomicLong(NOT_THROTTLED);

    /**
     * A signal on a clock, not throttled yet.
     *
     * @param ticker the limiter's clock
     * @throws IllegalArgumentException if {@code ticker} is null
     */
    RetryAfterSignal(Ticker ticker) {
        this.ticker = Arguments.requireNonNull("ticker", ticker);
    }

    /**
     * The backend asked to wait this long from now.
     *
     * @param wait the backend's Retry-After, zero up to {@link dev.throttle.LimitSpec#MAX_DURATION}
     * @throws IllegalArgumentException if {@code wait} is null, negative or too long
     */
    @Override
    public void throttledFor(Duration wait) {
        long nanos = Arguments.waitNanos("wait", wait);
        throttledUntil(ticker.read() + nanos);
    }

    /**
     * The backend asked to wait until a reading of the ticker.
     *
     * @param tickerNanos the end of the wait, on this signal's ticker
     */
    @Override
    public void throttledUntil(long tickerNanos) {
        until.accumulateAndGet(tickerNanos, (current, next) -> current == NOT_THROTTLED ? next : Math.max(current, next));
    }

    /**
     * Reads an HTTP {@code Retry-After} header: a number of seconds, or an HTTP date (RFC 1123) converted against the
     * wall clock's {@code wallNow}. A header that is neither is ignored, because a backend's malformed header must
     * not fail the caller.
     *
     * @param header the header's value
     * @param wallNow the wall-clock time the answer was received, for an HTTP date
     * @return true if the header was understood and recorded
     * @throws IllegalArgumentException if {@code header} or {@code wallNow} is null
     */
    @Override
    public boolean onRetryAfter(String header, Instant wallNow) {
        Arguments.requireNonNull("header", header);
        Arguments.requireNonNull("wallNow", wallNow);
        String value = header.trim();
        long waitNanos;
        if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (value.length() > 9) {
                return false; // more than 31 years: not a wait any backend means
            }
            waitNanos = Long.parseLong(value) * 1_000_000_000L;
        } else {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                waitNanos = Math.max(0L, Duration.between(wallNow, at).toNanos());
            } catch (DateTimeParseException | ArithmeticException unreadable) {
                return false;
            }
        }
        throttledUntil(ticker.read() + Math.min(waitNanos, Arguments.MAX_DURATION_NANOS));
        return true;
    }

    /** Forgets the wait, for example after a successful call proved the backend well. */
    @Override
    public void clear() {
        until.set(NOT_THROTTLED);
    }

    /**
     * {@inheritDoc}
     *
     * @return 1.0 before the end of the backend's wait, 0.0 from then on
     */
    @Override
    public double read(long nowNanos) {
        long end = until.get();
        return end != NOT_THROTTLED && nowNanos - end < 0 ? 1.0 : 0.0;
    }

    @Override
    public String toString() {
        long end = until.get();
        return end == NOT_THROTTLED ? "RetryAfterSignal[clear]" : "RetryAfterSignal[until " + end + "]";
    }
}
