package dev.throttle.examples;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every meter of a registry as plain text, one line each, sorted:
 * {@code throttle.permits{limiter=per-ip,outcome=granted,reason=none} count=5}. A stand-in for a real exporter
 * (Prometheus and friends), so the example needs no more than micrometer-core.
 */
final class MetricsPage {

    private MetricsPage() {
    }

    /**
     * Renders the registry's meters as they read now.
     *
     * @param registry the registry
     * @return the lines, each ending with a newline
     */
    static String render(MeterRegistry registry) {
        List<String> lines = new ArrayList<>();
        for (Meter meter : registry.getMeters()) {
            StringBuilder line = new StringBuilder(meter.getId().getName());
            line.append(meter.getId().getTags().stream().map(MetricsPage::tag)
                    .collect(Collectors.joining(",", "{", "}")));
            for (Measurement measurement : meter.measure()) {
                line.append(' ').append(measurement.getStatistic().getTagValueRepresentation()).append('=')
                        .append(number(measurement.getValue()));
            }
            lines.add(line.toString());
        }
        lines.sort(null);
        StringBuilder page = new StringBuilder();
        lines.forEach(line -> page.append(line).append('\n'));
        return page.toString();
    }

    /** Counts print as whole numbers: "count=5" reads better than "count=5.0". */
    private static String number(double value) {
        if (!Double.isInfinite(value) && value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    private static String tag(Tag tag) {
        return tag.getKey() + "=" + tag.getValue();
    }
}
