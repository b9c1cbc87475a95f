package dev.throttle.benchmarks.report;

import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Renders comparisons as a Markdown table: one line per implementation, the ratios on each line. */
final class MarkdownTable {

    private MarkdownTable() {
    }

    /**
     * The table, headed by what was run where.
     *
     * @param heading a line saying the suite, the machine and the date
     * @param comparisons the groups to show
     * @return Markdown text
     */
    static String render(String heading, List<Comparison> comparisons) {
        StringBuilder md = new StringBuilder();
        md.append(heading).append("\n\n");
        boolean redisCpu = comparisons.stream().flatMap(comparison -> Stream.concat(comparison.rows().stream(),
                comparison.floor().stream())).anyMatch(row -> row.redisCpuMicrosPerOp().isPresent());
        md.append("| Benchmark | Implementation | Score | Alloc (B/op) |")
                .append(redisCpu ? " Redis CPU (µs/op) |" : "").append(" Ratio |\n");
        md.append("|---|---|---:|---:|").append(redisCpu ? "---:|" : "").append("---|\n");
        for (Comparison comparison : comparisons) {
            boolean first = true;
            for (Row row : comparison.rows()) {
                md.append("| ").append(first ? comparison.title() : "").append(" | ").append(row.implementation())
                        .append(" | ").append(score(row)).append(" | ").append(alloc(row)).append(" | ")
                        .append(redisCpu ? redisCpu(row) + " | " : "").append(ratio(comparison, row)).append(" |\n");
                first = false;
            }
            if (comparison.floor().isPresent() && comparison.rows().stream().noneMatch(Row::floor)) {
                Row floor = comparison.floor().get();
                md.append("| | floor (").append(floor.benchmark()).append(") | ").append(score(floor))
                        .append(" | ").append(alloc(floor)).append(" |").append(redisCpu ? " " + redisCpu(floor)
                        + " |" : "").append(" |\n");
            }
        }
        md.append("\nRatio: on our line, our speed as a fraction of the floor's (1.00 = as fast as the floor); on a"
                + " peer's line, how many times faster than that peer we ran, in the same run.\n");
        if (redisCpu) {
            md.append("\nRedis CPU: the server's own CPU time (INFO cpu, user + system) per operation, over each"
                    + " measured iteration: how much of the one Redis core a decision takes.\n");
        }
        return md.toString();
    }

    private static String redisCpu(Row row) {
        return row.redisCpuMicrosPerOp().isPresent()
                ? String.format(Locale.ROOT, "%.2f", row.redisCpuMicrosPerOp().getAsDouble()) : "";
    }

    private static String score(Row row) {
        String error = Double.isNaN(row.error()) ? "" : " ± " + number(row.error());
        return number(row.score()) + error + " " + row.unit();
    }

    private static String alloc(Row row) {
        return row.allocBytesPerOp().isPresent()
                ? String.format(Locale.ROOT, "%.1f", row.allocBytesPerOp().getAsDouble()) : "";
    }

    private static String ratio(Comparison comparison, Row row) {
        if (row.ours()) {
            return comparison.ofFloor(row).map(r -> String.format(Locale.ROOT, "%.2f of floor", r)).orElse("");
        }
        List<Row> ours = comparison.ours();
        StringBuilder text = new StringBuilder();
        for (Row us : ours) {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(String.format(Locale.ROOT, "ours %.2f×", Comparison.timesFaster(us, row)));
            if (ours.size() > 1) {
                text.append(" (").append(us.implementation()).append(')');
            }
        }
        return text.toString();
    }

    static String number(double value) {
        if (Math.abs(value) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, value >= 100 ? "%.1f" : "%.2f", value);
    }
}
