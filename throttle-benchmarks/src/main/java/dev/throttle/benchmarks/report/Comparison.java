package dev.throttle.benchmarks.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rows measuring the same thing (benchmark, threads, parameters other than the implementation), with the ratios the
 * report prints: how this library compares to each peer, and to the floor.
 *
 * @param title the benchmark, its threads and shared parameters
 * @param rows the implementations measured, ours first, then the peers in run order
 * @param floor the floor to compare with: a row of this group, or a floor benchmark at the same thread count
 */
public record Comparison(String title, List<Row> rows, Optional<Row> floor) {

    /**
     * Groups rows into comparisons, in the order of their first row. A group with no floor of its own is compared
     * with a {@code FloorBenchmark} row of the same thread count and kind of mode, when the run has one.
     *
     * @param results every row of a run
     * @return the comparisons, floor benchmarks' own rows excluded
     */
    public static List<Comparison> of(List<Row> results) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        List<Row> floors = new ArrayList<>();
        for (Row row : results) {
            if (row.benchmark().startsWith("FloorBenchmark.")) {
                floors.add(row);
                continue;
            }
            String title = row.benchmark() + ", " + row.threads() + (row.threads() == 1 ? " thread" : " threads")
                    + (row.sharedParams().isEmpty() ? "" : ", " + row.sharedParams());
            groups.computeIfAbsent(title, ignored -> new ArrayList<>()).add(row);
        }
        List<Comparison> comparisons = new ArrayList<>();
        for (Map.Entry<String, List<Row>> group : groups.entrySet()) {
            List<Row> rows = new ArrayList<>();
            List<Row> peers = new ArrayList<>();
            Row ownFloor = null;
            for (Row row : group.getValue()) {
                if (row.ours()) {
                    rows.add(row);
                } else if (row.floor()) {
                    ownFloor = row;
                } else {
                    peers.add(row);
                }
            }
            rows.addAll(peers);
            Optional<Row> floor = Optional.ofNullable(ownFloor);
            if (floor.isEmpty()) {
                Row first = group.getValue().get(0);
                floor = floors.stream().filter(candidate -> candidate.threads() == first.threads()
                        && candidate.mode().equals("thrpt") == first.mode().equals("thrpt")).findFirst();
            }
            comparisons.add(new Comparison(group.getKey(), List.copyOf(rows), floor));
        }
        return comparisons;
    }

    /**
     * This library's rows.
     *
     * @return the rows named {@code throttle...}, in run order
     */
    public List<Row> ours() {
        return rows.stream().filter(Row::ours).collect(java.util.stream.Collectors.toList());
    }

    /**
     * How many times faster than a row another one ran: the first's speed over the second's.
     *
     * @param us a row of ours
     * @param peer a row of this group
     * @return the ratio
     */
    public static double timesFaster(Row us, Row peer) {
        return us.speed() / peer.speed();
    }

    /**
     * The fraction of the floor's speed a row reached (1.0 = as fast as the floor).
     *
     * @param row a row of this group
     * @return the ratio, or empty without a floor
     */
    public Optional<Double> ofFloor(Row row) {
        return floor.map(f -> row.speed() / f.speed());
    }
}
