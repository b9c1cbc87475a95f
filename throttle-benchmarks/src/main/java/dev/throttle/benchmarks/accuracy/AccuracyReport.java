package dev.throttle.benchmarks.accuracy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The accuracy suite: every contender (this library's algorithms and the peers, all at 100 permits per second) gets
 * the same bursty load in real time; the report says how many permits each admitted against what an exact sliding
 * limit would have admitted of the same requests, and the most it admitted in any one-second window (an exact limit:
 * 100; a fixed window lets up to twice through across a boundary; a bucket adds its burst to its rate by design).
 */
public final class AccuracyReport {

    private static final long SECOND_NANOS = 1_000_000_000L;
    private static final int SECONDS = 6;

    /** One contender's figures. */
    record Line(String name, int requests, int granted, int ideal, int worstWindow) {
    }

    private AccuracyReport() {
    }

    /**
     * Runs every contender and writes {@code <stem>.md}, {@code <stem>.svg} and {@code <stem>.json}.
     *
     * @param dir the results directory
     * @param stem the files' name without extension
     * @param heading a line saying the suite, the machine and the date
     * @throws IOException if a file cannot be written
     */
    public static void write(Path dir, String stem, String heading) throws IOException {
        BurstLoad load = BurstLoad.schedule(Contenders.LIMIT, SECONDS, 7);
        List<Line> lines = new ArrayList<>();
        for (Map.Entry<String, Supplier<BooleanSupplier>> contender : Contenders.all().entrySet()) {
            BurstLoad.Outcome outcome = load.run(contender.getValue().get());
            long[] from = outcome.grantsFrom();
            lines.add(new Line(contender.getKey(), outcome.attemptNanos().length, from.length,
                    WindowCounts.idealGrants(outcome.attemptNanos(), Contenders.LIMIT, SECOND_NANOS),
                    WindowCounts.worstWindow(from, outcome.grantsUntil(), SECOND_NANOS)));
            System.out.println(lines.get(lines.size() - 1));
        }
        Files.writeString(dir.resolve(stem + ".md"), markdown(heading, lines), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(stem + ".svg"), svg(heading, lines), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(stem + ".json"), json(lines), StandardCharsets.UTF_8);
        System.out.println("Wrote " + stem + ".md, .svg and .json in " + dir);
    }

    static String markdown(String heading, List<Line> lines) {
        StringBuilder md = new StringBuilder(heading).append("\n\n");
        md.append("Every limiter set to ").append(Contenders.LIMIT).append(" permits per second, the same bursty load for ")
                .append(SECONDS).append(" s (bursts at 0, 250, 500 and 950 ms of every second, a quiet second in the"
                        + " middle). Ideal: what an exact sliding limit of ").append(Contenders.LIMIT)
                .append(" per second admits of the same requests.\n\n");
        md.append("| Limiter | Requests | Admitted | Ideal | Admitted / ideal | Most in any 1 s | vs limit |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Line line : lines) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.2f | %d | %.2f× |%n", line.name(),
                    line.requests(), line.granted(), line.ideal(), (double) line.granted() / line.ideal(),
                    line.worstWindow(), (double) line.worstWindow() / Contenders.LIMIT));
        }
        return md.toString();
    }

    static String svg(String heading, List<Line> lines) {
        int width = 900;
        int label = 250;
        int bar = 20;
        double scale = (width - label - 120) / (2.5 * Contenders.LIMIT);
        StringBuilder svg = new StringBuilder();
        int height = 60 + lines.size() * (bar + 6);
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                width, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"18\" style=\"font-weight:bold\">%s: most permits"
                + " admitted in any 1 s (the line: the limit, %d)</text>%n", heading.replace("`", ""), Contenders.LIMIT));
        int y = 36;
        for (Line line : lines) {
            int length = (int) Math.round(line.worstWindow() * scale);
            String color = line.name().startsWith("throttle") ? "#2b6cb0" : "#dd6b20";
            svg.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"%d\">%s</text>%n", y + 14, line.name()));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
                    label, y, length, bar, color));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%d</text>%n", label + length + 6, y + 14,
                    line.worstWindow()));
            y += bar + 6;
        }
        int limitX = label + (int) Math.round(Contenders.LIMIT * scale);
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"30\" x2=\"%d\" y2=\"%d\" stroke=\"black\""
                + " stroke-dasharray=\"4 3\"/>%n</svg>%n", limitX, limitX, y));
        return svg.toString();
    }

    static String json(List<Line> lines) {
        StringBuilder json = new StringBuilder("[\n");
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            json.append(String.format(Locale.ROOT, "  {\"limiter\": \"%s\", \"limitPerSecond\": %d, \"requests\": %d,"
                    + " \"admitted\": %d, \"ideal\": %d, \"mostInAnySecond\": %d}%s%n", line.name(), Contenders.LIMIT,
                    line.requests(), line.granted(), line.ideal(), line.worstWindow(), i + 1 < lines.size() ? "," : ""));
        }
        return json.append("]\n").toString();
    }
}
