package dev.throttle.kernel;

import dev.throttle.Ticker;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The rate limit of the log lines of one source of events (one circuit breaker, one Redis engine, one retry budget),
 * so that a flapping dependency cannot flood the log: each kind of event is written at most once per window (ten
 * seconds unless told otherwise), and the events of that kind dropped meanwhile are counted and reported at the end of
 * the next line written for it: {@code "... (12 similar events suppressed in the last 10 s)"}. The span is the time
 * since the last line of the kind was written, which is when the suppressed events happened.
 *
 * <p>Meant for state changes and outages only, never for a line per decision; a message is built only when its line
 * is written. Time is read from the injected {@link Ticker}, so tests drive the window with a manual clock instead of
 * sleeping. The owner gets its {@link System.Logger} itself ({@code System.getLogger} with its own package's name,
 * from its own module, or a test's), asks {@link #admit} for each event, and writes the lines admitted itself, so a
 * backend that names the class that logged names the owner.
 *
 * <p>Thread-safe. Deciding whether a line is written takes a short lock per kind.
 */
public final class EventLog {

    /** The default window: at most one line per kind of event every ten seconds. */
    public static final long DEFAULT_WINDOW_NANOS = 10_000_000_000L;

    private final Logger logger;
    private final Ticker ticker;
    private final long windowNanos;
    private final ConcurrentHashMap<String, Kind> kinds = new ConcurrentHashMap<>();

    /** The rate limit of one kind of event: when its last line was written, and what was dropped since. */
    private static final class Kind {
        boolean written;
        long lastWrittenAt;
        long suppressed;
    }

    private EventLog(Logger logger, Ticker ticker, long windowNanos) {
        this.logger = logger;
        this.ticker = ticker;
        this.windowNanos = windowNanos;
    }

    /**
     * A log admitting at most one line per kind of event every {@link #DEFAULT_WINDOW_NANOS}.
     *
     * @param logger the logger the owner writes to: the levels it does not write are not admitted
     * @param ticker the clock of the window
     * @return the log
     * @throws IllegalArgumentException if an argument is null
     */
    public static EventLog of(Logger logger, Ticker ticker) {
        return of(logger, ticker, DEFAULT_WINDOW_NANOS);
    }

    /**
     * A log admitting at most one line per kind of event every {@code windowNanos}.
     *
     * @param logger the logger the owner writes to: the levels it does not write are not admitted
     * @param ticker the clock of the window
     * @param windowNanos the least time between two lines of one kind, 0 (no limit) or more
     * @return the log
     * @throws IllegalArgumentException if an argument is null or the window negative
     */
    public static EventLog of(Logger logger, Ticker ticker, long windowNanos) {
        Arguments.requireNonNull("logger", logger);
        Arguments.requireNonNull("ticker", ticker);
        Arguments.requireNonNegative("windowNanos", windowNanos);
        return new EventLog(logger, ticker, windowNanos);
    }

    /**
     * The logger the owner writes the admitted lines to.
     *
     * @return the logger
     */
    public Logger logger() {
        return logger;
    }

    /**
     * The clock of the window, which owners may also use to time what they report (how long an outage lasted).
     *
     * @return the ticker
     */
    public Ticker ticker() {
        return ticker;
    }

    /**
     * Decides whether an event is written, and builds its line: null when a line of the same kind was written less
     * than a window ago (the event is then only counted, and reported with the next line of its kind), or when the
     * logger does not write this level. The caller writes the line itself, {@code logger.log(level, line)}: a backend
     * that names the class that logged (java.util.logging does, by walking the stack) then names the caller, in the
     * package whose logger it is, not this class.
     *
     * @param kind what happened, for the rate limit (for example {@code "opened"}); a few fixed values per source
     * @param level the line's level
     * @param message builds the line; called only when it is written
     * @return the line to write, with the count of the events suppressed since the last one of its kind; or null
     */
    public String admit(String kind, Level level, Supplier<String> message) {
        if (!loggable(level)) {
            return null;
        }
        Kind limit = kinds.computeIfAbsent(kind, unused -> new Kind());
        long now = ticker.read();
        long suppressed;
        long since;
        synchronized (limit) {
            if (limit.written && now - limit.lastWrittenAt < windowNanos) {
                limit.suppressed++;
                return null;
            }
            suppressed = limit.suppressed;
            since = now - limit.lastWrittenAt;
            limit.written = true;
            limit.lastWrittenAt = now;
            limit.suppressed = 0L;
        }
        String line = message.get();
        if (suppressed > 0L) {
            line += " (" + suppressed + (suppressed == 1L ? " similar event" : " similar events")
                    + " suppressed in the last " + Durations.text(since) + ")";
        }
        return line;
    }

    private boolean loggable(Level level) {
        try {
            return logger.isLoggable(level);
        } catch (RuntimeException failing) {
            return false;
        }
    }
}
