package dev.throttle.examples;

import java.util.List;

/**
 * The demo's result: for each request (a row, by its time) the decision of each algorithm (a column), as cells.
 *
 * @param timesMillis each request's time, in milliseconds from the start
 * @param algorithms the columns
 * @param cells {@code cells.get(row).get(column)}
 */
record DecisionTable(List<Long> timesMillis, List<Algorithm> algorithms, List<List<String>> cells) {

    /**
     * Freezes the table.
     */
    DecisionTable {
        timesMillis = List.copyOf(timesMillis);
        algorithms = List.copyOf(algorithms);
        cells = cells.stream().map(List::copyOf).toList();
    }

    /**
     * One decision.
     *
     * @param row the request's index in the timeline
     * @param algorithm the column
     * @return the cell
     */
    String cell(int row, Algorithm algorithm) {
        return cells.get(row).get(indexOf(algorithm));
    }

    /**
     * The decisions of one algorithm, in request order.
     *
     * @param algorithm the column
     * @return its cells
     */
    List<String> column(Algorithm algorithm) {
        int column = indexOf(algorithm);
        return cells.stream().map(row -> row.get(column)).toList();
    }

    /**
     * How many requests an algorithm granted, now or after queueing.
     *
     * @param algorithm the column
     * @return the count
     */
    long granted(Algorithm algorithm) {
        return column(algorithm).stream().filter(cell -> cell.startsWith(Cells.GRANTED)).count();
    }

    /**
     * How many requests an algorithm refused.
     *
     * @param algorithm the column
     * @return the count
     */
    long refused(Algorithm algorithm) {
        return column(algorithm).stream().filter(cell -> cell.startsWith(Cells.REFUSED)).count();
    }

    /**
     * The table as aligned text: a heading, a row per request, then a summary line per algorithm.
     *
     * @return the text, lines ended by {@code \n}, without trailing spaces
     */
    String render() {
        String timeHeading = "time";
        int timeWidth = timeHeading.length();
        for (long time : timesMillis) {
            timeWidth = Math.max(timeWidth, (time + " ms").length());
        }
        int[] widths = new int[algorithms.size()];
        for (int column = 0; column < widths.length; column++) {
            widths[column] = algorithms.get(column).title().length();
            for (List<String> row : cells) {
                widths[column] = Math.max(widths[column], row.get(column).length());
            }
        }
        StringBuilder text = new StringBuilder();
        text.append(pad(timeHeading, timeWidth, true));
        for (int column = 0; column < widths.length; column++) {
            text.append("  ").append(pad(algorithms.get(column).title(), widths[column], false));
        }
        text.setLength(trimmed(text));
        text.append('\n');
        for (int row = 0; row < cells.size(); row++) {
            if (row > 0 && !timesMillis.get(row).equals(timesMillis.get(row - 1))) {
                text.append('\n'); // a blank line between bursts
            }
            text.append(pad(timesMillis.get(row) + " ms", timeWidth, true));
            for (int column = 0; column < widths.length; column++) {
                text.append("  ").append(pad(cells.get(row).get(column), widths[column], false));
            }
            text.setLength(trimmed(text));
            text.append('\n');
        }
        text.append('\n');
        int titleWidth = algorithms.stream().mapToInt(algorithm -> algorithm.title().length()).max().orElse(0);
        for (Algorithm algorithm : algorithms) {
            text.append(pad(algorithm.title(), titleWidth, false)).append("  ")
                    .append(String.format("%2d granted, %2d refused", granted(algorithm), refused(algorithm)))
                    .append('\n');
        }
        return text.toString();
    }

    private int indexOf(Algorithm algorithm) {
        int column = algorithms.indexOf(algorithm);
        if (column < 0) {
            throw new IllegalArgumentException("algorithm = " + algorithm + " is not a column of this table");
        }
        return column;
    }

    /** The length of the text without the last line's trailing spaces, which only the padding put there. */
    private static int trimmed(StringBuilder text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == ' ') {
            end--;
        }
        return end;
    }

    private static String pad(String text, int width, boolean right) {
        String spaces = " ".repeat(Math.max(0, width - text.length()));
        return right ? spaces + text : text + spaces;
    }
}
