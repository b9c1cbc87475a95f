package dev.throttle.http;

import dev.throttle.kernel.Arguments;
import java.util.List;

/**
 * A path pattern made of whole segments: literal segments match themselves, {@code *} matches exactly one non-empty
 * segment, and {@code **}, allowed only as the last segment, matches any number of segments including none. Matching
 * is case-sensitive and does not allocate.
 *
 * <ul>
 *   <li>{@code /api/orders} matches only {@code /api/orders};</li>
 *   <li>{@code /api/*} matches {@code /api/orders} but not {@code /api}, {@code /api/} or {@code /api/orders/42};</li>
 *   <li>{@code /api/**} matches {@code /api}, {@code /api/} and {@code /api/orders/42};</li>
 *   <li>{@code /**} matches every path.</li>
 * </ul>
 * A wildcard inside a segment ({@code /files/*.txt}) is not supported and is refused when the pattern is built.
 *
 * <p>Package-private: users write patterns as text in {@link RouteRule}, which documents this syntax.
 */
final class PathPattern {

    private static final String ONE = "*";
    private static final String ANY_DEPTH = "**";

    private final String text;
    private final List<String> segments;
    private final boolean anyDepthTail;

    private PathPattern(String text, List<String> segments, boolean anyDepthTail) {
        this.text = text;
        this.segments = segments;
        this.anyDepthTail = anyDepthTail;
    }

    /**
     * Parses a pattern.
     *
     * @param pattern the pattern, starting with {@code /}
     * @return the pattern
     * @throws IllegalArgumentException if the pattern is null, does not start with {@code /}, has {@code **} other
     *     than as its last segment, or a wildcard inside a segment
     */
    static PathPattern of(String pattern) {
        Arguments.requireNonNull("pattern", pattern);
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("pattern = " + pattern + " must start with /");
        }
        List<String> segments = List.of(pattern.substring(1).split("/", -1));
        for (int i = 0; i < segments.size(); i++) {
            String segment = segments.get(i);
            if (segment.equals(ANY_DEPTH) && i != segments.size() - 1) {
                throw new IllegalArgumentException("pattern = " + pattern + " has ** before its last segment");
            }
            if (segment.indexOf('*') >= 0 && !segment.equals(ONE) && !segment.equals(ANY_DEPTH)) {
                throw new IllegalArgumentException("pattern = " + pattern
                        + " has a wildcard inside a segment; only whole segments * and ** are supported");
            }
        }
        boolean anyDepthTail = segments.get(segments.size() - 1).equals(ANY_DEPTH);
        return new PathPattern(pattern, anyDepthTail ? segments.subList(0, segments.size() - 1) : segments,
                anyDepthTail);
    }

    /**
     * Tells whether a path matches.
     *
     * @param path the request path without query
     * @return true if it matches; false for null or a path not starting with {@code /}
     */
    boolean matches(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        int start = 1;
        int length = path.length();
        for (int i = 0; i < segments.size(); i++) {
            if (start > length) {
                return false;
            }
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = length;
            }
            String segment = segments.get(i);
            if (segment.equals(ONE)) {
                if (end == start) {
                    return false;
                }
            } else if (end - start != segment.length() || !path.regionMatches(start, segment, 0, segment.length())) {
                return false;
            }
            start = end + 1;
        }
        // Every pattern segment consumed: the path must end here, unless ** takes the rest.
        return anyDepthTail || start == length + 1;
    }

    /**
     * The pattern as written.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return text;
    }
}
