package dev.throttle.benchmarks.report;

import dev.throttle.benchmarks.RedisCpuProfiler;
import dev.throttle.benchmarks.accuracy.AccuracyReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * One command for a suite: runs it with JMH (and its GC profiler; the {@code redis} suite also with
 * {@link RedisCpuProfiler}), then writes into the results directory the JMH
 * JSON, a Markdown table of ratios to the peers and the floor, and an SVG chart, all named
 * {@code <date>-<suite>.*}.
 *
 * <p>The {@code accuracy} suite is not JMH: it writes its own JSON, table and chart (see {@link AccuracyReport}).
 *
 * <p>Usage: {@code java -cp throttle-benchmarks/target/benchmarks.jar dev.throttle.benchmarks.report.BenchReport
 * <local|peers|keyed|redis|accuracy|all> [JMH options, e.g. -f 1 -wi 3 -i 5 -w 1s -r 1s]}. The directory is
 * {@code throttle-benchmarks/results} under the working directory when it exists, else {@code results}; the system
 * property {@code report.dir} overrides it.
 */
public final class BenchReport {

    private static final String PACKAGE = "dev.throttle.benchmarks.";

    private BenchReport() {
    }

    /**
     * Runs a suite and writes its report.
     *
     * @param args the suite's name, then JMH options
     * @throws RunnerException if JMH fails
     * @throws IOException if the report cannot be written
     * @throws CommandLineOptionException if the JMH options are malformed
     */
    public static void main(String[] args) throws RunnerException, IOException, CommandLineOptionException {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: BenchReport <local|peers|keyed|redis|accuracy|all> [JMH options]");
        }
        Suite suite = Suite.named(args[0]);
        Path dir = resultsDirectory();
        Files.createDirectories(dir);
        String stem = LocalDate.now() + "-" + suite.name().toLowerCase(Locale.ROOT);
        String heading = "Suite `" + suite.name().toLowerCase(Locale.ROOT) + "`, " + LocalDate.now() + ", "
                + machine();
        if (suite == Suite.ACCURACY) {
            AccuracyReport.write(dir, stem, heading);
            return;
        }
        Path json = dir.resolve(stem + ".json");
        List<String> jmhArgs = new ArrayList<>(List.of(suite.include(), "-rf", "json", "-rff", json.toString(),
                "-prof", "gc"));
        if (suite == Suite.REDIS) {
            // On a fleet the Redis core is what every decision shares: how much of it one decision takes.
            jmhArgs.addAll(List.of("-prof", RedisCpuProfiler.class.getName()));
        }
        jmhArgs.addAll(Arrays.asList(args).subList(1, args.length));
        Collection<RunResult> results = new Runner(new CommandLineOptions(jmhArgs.toArray(new String[0]))).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult result : results) {
            rows.add(row(result));
        }
        List<Comparison> comparisons = Comparison.of(rows);
        Files.writeString(dir.resolve(stem + ".md"), MarkdownTable.render(heading, comparisons), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(stem + ".svg"), SvgChart.render(heading, comparisons), StandardCharsets.UTF_8);
        System.out.println("Wrote " + json + ", " + stem + ".md and " + stem + ".svg in " + dir);
    }

    /** Turns one JMH result into a report row. */
    static Row row(RunResult result) {
        BenchmarkParams params = result.getParams();
        String benchmark = params.getBenchmark();
        if (benchmark.startsWith(PACKAGE)) {
            benchmark = benchmark.substring(PACKAGE.length());
        }
        Map<String, String> values = new TreeMap<>();
        for (String key : params.getParamsKeys()) {
            values.put(key, params.getParam(key));
        }
        Result<?> primary = result.getPrimaryResult();
        OptionalDouble alloc = OptionalDouble.empty();
        OptionalDouble redisCpu = OptionalDouble.empty();
        for (String secondary : result.getSecondaryResults().keySet()) {
            if (secondary.endsWith("gc.alloc.rate.norm")) {
                alloc = OptionalDouble.of(result.getSecondaryResults().get(secondary).getScore());
            } else if (secondary.endsWith(RedisCpuProfiler.RESULT)) {
                redisCpu = OptionalDouble.of(result.getSecondaryResults().get(secondary).getScore());
            }
        }
        return new Row(benchmark, params.getMode().shortLabel(), params.getThreads(), values, primary.getScore(),
                primary.getScoreError(), primary.getScoreUnit(), alloc, redisCpu);
    }

    private static Path resultsDirectory() {
        String chosen = System.getProperty("report.dir");
        if (chosen != null && !chosen.isBlank()) {
            return Paths.get(chosen);
        }
        Path module = Paths.get("throttle-benchmarks", "results");
        return Files.isDirectory(module.getParent()) ? module : Paths.get("results");
    }

    /** The machine in one line: cores, CPU model when Linux says it, the JVM. */
    private static String machine() {
        String cpu = "";
        Path cpuinfo = Paths.get("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            try (Stream<String> lines = Files.lines(cpuinfo)) {
                cpu = lines.filter(line -> line.startsWith("model name")).findFirst()
                        .map(line -> line.substring(line.indexOf(':') + 1).trim() + ", ").orElse("");
            } catch (IOException | java.io.UncheckedIOException e) {
                cpu = "";
            }
        }
        return Runtime.getRuntime().availableProcessors() + " CPUs, " + cpu + "Java "
                + System.getProperty("java.vm.version");
    }
}
