package dev.throttle.testing;

import java.lang.System.Logger;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.function.Predicate;

/**
 * A {@link System.Logger} that keeps its lines, for tests that check what a component logs: each line as
 * {@code "LEVEL message"}. Tests hand it to the component under test (through the component's package-private hook)
 * instead of swapping the global {@link System.LoggerFinder}, so tests running side by side cannot see each other's
 * lines. Thread-safe.
 */
public final class RecordingLogger implements Logger {

    private final String name;
    private final Level threshold;
    private final List<String> lines = new ArrayList<>();

    /**
     * A logger of this name that writes every level.
     *
     * @param name the name the component would log under
     */
    public RecordingLogger(String name) {
        this(name, Level.ALL);
    }

    /**
     * A logger of this name that writes the levels from {@code threshold} up, as a configured logger would.
     *
     * @param name the name the component would log under
     * @param threshold the lowest level written
     */
    public RecordingLogger(String name, Level threshold) {
        this.name = name;
        this.threshold = threshold;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean isLoggable(Level level) {
        return level != Level.OFF && level.getSeverity() >= threshold.getSeverity();
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        record(level, msg + (thrown == null ? "" : " [" + thrown + "]"));
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        record(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params));
    }

    private void record(Level level, String line) {
        if (isLoggable(level)) {
            synchronized (lines) {
                lines.add(level.getName() + " " + line);
            }
        }
    }

    /**
     * The lines written so far, in order.
     *
     * @return a copy
     */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /**
     * The lines written so far that start with a prefix (a level and the start of a message), in order.
     *
     * @param prefix the start of the lines kept
     * @return a copy
     */
    public List<String> lines(String prefix) {
        Predicate<String> starts = line -> line.startsWith(prefix);
        return lines().stream().filter(starts).toList();
    }

    /** Forgets the lines written so far. */
    public void clear() {
        synchronized (lines) {
            lines.clear();
        }
    }
}
