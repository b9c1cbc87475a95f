package dev.throttle.benchmarks.report;

import java.util.List;
import java.util.Locale;

/**
 * Renders comparisons as a horizontal bar chart in SVG: one block per comparison, one bar per implementation (and
 * the floor), each bar's length its speed relative to the fastest bar of its block, labelled with the score.
 */
final class SvgChart {

    private static final int WIDTH = 900;
    private static final int LABEL = 330;
    private static final int BAR_HEIGHT = 18;
    private static final int GAP = 4;
    private static final int TITLE = 22;

    private SvgChart() {
    }

    /**
     * The chart.
     *
     * @param heading the chart's title: the suite, the machine and the date
     * @param comparisons the groups to draw
     * @return an SVG document
     */
    static String render(String heading, List<Comparison> comparisons) {
        StringBuilder bars = new StringBuilder();
        int y = 30;
        for (Comparison comparison : comparisons) {
            bars.append(text(8, y + 14, comparison.title(), "font-weight:bold"));
            y += TITLE;
            List<Row> rows = new java.util.ArrayList<>(comparison.rows());
            comparison.floor().filter(f -> !rows.contains(f)).ifPresent(rows::add);
            double fastest = rows.stream().mapToDouble(Row::speed).max().orElse(1);
            for (Row row : rows) {
                int length = (int) Math.max(1, Math.round((WIDTH - LABEL - 140) * row.speed() / fastest));
                String color = row.ours() ? "#2b6cb0" : row.floor() ? "#a0aec0" : "#dd6b20";
                bars.append(text(16, y + 13, row.implementation(), ""));
                bars.append(String.format(Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
                        LABEL, y, length, BAR_HEIGHT, color));
                bars.append(text(LABEL + length + 6, y + 13,
                        MarkdownTable.number(row.score()) + " " + row.unit(), ""));
                y += BAR_HEIGHT + GAP;
            }
            y += GAP * 2;
        }
        return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                WIDTH, y + 10)
                + text(8, 18, heading + "  (bar length: speed relative to the fastest in its group; blue: throttle,"
                        + " orange: peers, grey: floor)", "font-weight:bold")
                + bars + "</svg>\n";
    }

    private static String text(int x, int y, String content, String style) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\"%s>%s</text>%n", x, y,
                style.isEmpty() ? "" : " style=\"" + style + "\"", escape(content));
    }

    private static String escape(String content) {
        return content.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
