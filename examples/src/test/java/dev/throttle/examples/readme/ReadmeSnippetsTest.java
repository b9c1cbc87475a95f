package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps every Java block of the READMEs equal to code the build compiles.
 *
 * <p>Each snippet lives in a source file of this package, between marker comments:
 * <pre>
 * // tag::rate-limiter[]
 * import dev.throttle.RateLimiter;
 * // end::rate-limiter[]
 * ...
 *         // tag::rate-limiter[]
 *         RateLimiter api = engine.rateLimiter(...);
 *         // end::rate-limiter[]
 * </pre>
 * A snippet is every region of its tag in its file, in order, each stripped of its common indentation, joined by one
 * blank line: its imports, then its code. A README shows it as a {@code ```java} block right after the line
 * {@code <!-- snippet: rate-limiter -->}. The test fails on a block that differs from its snippet (and prints the
 * block expected, ready to paste), on a Java block without a marker, on a marker without a block or naming no
 * snippet, and on a snippet no README shows.
 *
 * <p>So that the imports shown are exactly those the code needs, each file holds one snippet, and its imports outside
 * tagged regions are only the test framework's (the rest of the file names other types by their full names): a
 * missing import does not compile, and an import the code does not use fails here. Files without tags are not
 * snippets (this test, and the application stand-ins the snippets call, such as {@code handle(request)}).
 *
 * <p>The sources of example 7 (Spring Boot) hold snippets too, tagged the same way, so that the README shows the
 * application's real code; there, imports outside the tagged regions are the application's own.
 *
 * <p>Run with {@code -Dreadme.snippets.update=true} to rewrite the READMEs' blocks from the snippets instead of
 * failing on a difference (markers and blocks without a match still fail).
 *
 * <p>The versions the READMEs tell users to depend on (the library's, Netty's BOM) are checked against the parent pom.
 */
class ReadmeSnippetsTest {

    /** The READMEs checked, relative to the repository root. */
    private static final List<String> READMES = List.of("README.md", "examples/README.md");
    /** Where the snippets live, relative to the examples module. */
    private static final Path SNIPPETS = Path.of("src", "test", "java", "dev", "throttle", "examples", "readme");
    /**
     * An example application whose own code the README shows (example 7, Spring Boot): its files are snippets too,
     * but they are the application's sources, so they import what the rest of the file needs as well; the imports a
     * snippet shows are still checked to be used by the code it shows.
     */
    private static final Path APPLICATION_SNIPPETS = Path.of("src", "main", "java", "dev", "throttle", "examples",
            "boot");

    private static final Pattern TAG = Pattern.compile("^\\s*// (tag|end)::([a-z0-9-]+)\\[\\]\\s*$");
    private static final Pattern MARKER = Pattern.compile("^<!-- snippet: ([a-z0-9-]+) -->$");
    private static final Pattern FENCE = Pattern.compile("^\\s*```\\s*([A-Za-z0-9_+-]*).*$");
    private static final Pattern IMPORT = Pattern.compile("^import (static )?([\\w.]+)(\\.\\*)?;$");
    /** A dependency of an XML block: group, artifact, version. */
    private static final Pattern DEPENDENCY = Pattern.compile(
            "<groupId>([^<]+)</groupId>\\s*<artifactId>([^<]+)</artifactId>\\s*<version>([^<]+)</version>");
    /** The library's coordinates written inline, such as {@code dev.throttle:throttle-api:1.0}: the version. */
    private static final Pattern INLINE_COORDINATES = Pattern.compile("dev\\.throttle:throttle-[a-z]+:([\\w.-]+)");
    /** The only imports allowed outside a snippet's regions: the test framework's. */
    private static final Pattern SCAFFOLDING_IMPORT = Pattern.compile("^import (static )?org\\.(junit|assertj)\\..*;$");

    @Test
    void everyJavaBlockOfTheReadmesIsACompiledSnippet() throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, String> snippets = snippets(problems);
        Set<String> shown = new LinkedHashSet<>();
        boolean update = Boolean.getBoolean("readme.snippets.update");
        Path root = repositoryRoot();
        for (String readme : READMES) {
            Path file = root.resolve(readme);
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String> rewritten = check(readme, lines, snippets, shown, problems, update);
            if (update && !rewritten.equals(lines)) {
                Files.write(file, rewritten, StandardCharsets.UTF_8);
            }
        }
        for (String name : snippets.keySet()) {
            if (!shown.contains(name)) {
                problems.add("snippet " + name + " is shown by no README: add it after <!-- snippet: " + name
                        + " --> or delete it");
            }
        }
        assertThat(snippets).as("snippets found in %s", SNIPPETS.toAbsolutePath()).isNotEmpty();
        assertThat(problems).as("README snippets").isEmpty();
    }

    /**
     * The versions the READMEs tell users to depend on are the build's: the library's own, and the Netty release the
     * build imports the BOM of (the one a user aligns Lettuce's and netty-codec-http's modules on).
     */
    @Test
    void theVersionsTheReadmesShowAreTheBuildsOwn() throws IOException {
        Path root = repositoryRoot();
        String pom = Files.readString(root.resolve("pom.xml"), StandardCharsets.UTF_8);
        String library = firstGroup(pom, "<artifactId>throttle-parent</artifactId>\\s*<version>([^<]+)</version>");
        String netty = firstGroup(pom, "<netty\\.version>([^<]+)</netty\\.version>");
        List<String> shown = new ArrayList<>();
        for (String readme : READMES) {
            String text = Files.readString(root.resolve(readme), StandardCharsets.UTF_8);
            Matcher dependency = DEPENDENCY.matcher(text);
            while (dependency.find()) {
                String coordinates = dependency.group(1) + ":" + dependency.group(2);
                String expected = dependency.group(1).equals("dev.throttle") ? library
                        : coordinates.equals("io.netty:netty-bom") ? netty : null;
                if (expected != null) {
                    shown.add(readme + ": " + coordinates + ":" + dependency.group(3));
                    assertThat(dependency.group(3)).as("%s: the version of %s", readme, coordinates)
                            .isEqualTo(expected);
                }
            }
            Matcher inline = INLINE_COORDINATES.matcher(text);
            while (inline.find()) {
                shown.add(readme + ": " + inline.group());
                assertThat(inline.group(1)).as("%s: %s", readme, inline.group()).isEqualTo(library);
            }
        }
        assertThat(shown).as("versions shown").anyMatch(line -> line.contains("io.netty:netty-bom"))
                .anyMatch(line -> line.contains("dev.throttle:throttle-local"));
    }

    private static String firstGroup(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertThat(matcher.find()).as("%s in the parent pom", regex).isTrue();
        return matcher.group(1);
    }

    /**
     * Checks one README; returns its lines with every marked block replaced by its snippet.
     */
    private static List<String> check(String readme, List<String> lines, Map<String, String> snippets,
            Set<String> shown, List<String> problems, boolean update) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            Matcher marker = MARKER.matcher(line.strip());
            Matcher fence = FENCE.matcher(line);
            if (marker.matches()) {
                String name = marker.group(1);
                out.add(line);
                int open = i + 1;
                if (open >= lines.size() || !lines.get(open).equals("```java")) {
                    problems.add(readme + ":" + (i + 1) + ": the marker of snippet " + name
                            + " must be followed at once by a ```java line");
                    i++;
                    continue;
                }
                int close = closingFence(lines, open);
                if (close < 0) {
                    problems.add(readme + ":" + (open + 1) + ": the block of snippet " + name + " is not closed");
                    return lines;
                }
                String block = String.join("\n", lines.subList(open + 1, close));
                String snippet = snippets.get(name);
                if (snippet == null) {
                    problems.add(readme + ":" + (i + 1) + ": no snippet is tagged " + name + " in " + SNIPPETS);
                    out.addAll(lines.subList(open, close + 1));
                } else {
                    shown.add(name);
                    if (!block.equals(snippet) && !update) {
                        problems.add(readme + ":" + (open + 1) + ": the block of snippet " + name
                                + " differs from its source; it should read:\n" + fenced(name, snippet));
                    }
                    out.add("```java");
                    out.addAll(snippet.lines().toList());
                    out.add("```");
                }
                i = close + 1;
            } else if (fence.matches() && !fence.group(1).isEmpty()) {
                int close = closingFence(lines, i);
                if (fence.group(1).toLowerCase(Locale.ROOT).equals("java")) {
                    problems.add(readme + ":" + (i + 1) + ": a ```java block without a <!-- snippet: name --> marker"
                            + " on the line before: every Java block must be a snippet compiled by the build (peers'"
                            + " code goes in a ```text block)");
                }
                int end = close < 0 ? lines.size() - 1 : close;
                out.addAll(lines.subList(i, end + 1));
                i = end + 1;
            } else {
                out.add(line);
                i++;
            }
        }
        return out;
    }

    private static int closingFence(List<String> lines, int open) {
        for (int j = open + 1; j < lines.size(); j++) {
            if (lines.get(j).strip().equals("```")) {
                return j;
            }
        }
        return -1;
    }

    private static String fenced(String name, String snippet) {
        return "<!-- snippet: " + name + " -->\n```java\n" + snippet + "\n```";
    }

    /** Every snippet of the package's source files, by name; the rules a file breaks go to {@code problems}. */
    static Map<String, String> snippets(List<String> problems) {
        Map<String, String> snippets = new LinkedHashMap<>();
        readSnippets(SNIPPETS, true, snippets, problems);
        readSnippets(APPLICATION_SNIPPETS, false, snippets, problems);
        return snippets;
    }

    private static void readSnippets(Path directory, boolean onlySnippetImports, Map<String, String> snippets,
            List<String> problems) {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                readSnippet(file, onlySnippetImports, snippets, problems);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void readSnippet(Path file, boolean onlySnippetImports, Map<String, String> snippets,
            List<String> problems) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String where = file.getFileName().toString();
        if (lines.stream().noneMatch(line -> TAG.matcher(line).matches())) {
            return; // not a snippet: this test, or the application stand-ins the snippets call
        }
        Map<String, List<List<String>>> regions = new LinkedHashMap<>();
        String open = null;
        List<String> region = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher tag = TAG.matcher(line);
            if (tag.matches()) {
                String name = tag.group(2);
                if (tag.group(1).equals("tag")) {
                    if (open != null) {
                        problems.add(where + ":" + (i + 1) + ": tag " + name + " opens inside tag " + open);
                        return;
                    }
                    open = name;
                    region = new ArrayList<>();
                } else {
                    if (!name.equals(open)) {
                        problems.add(where + ":" + (i + 1) + ": end " + name + " closes no open tag");
                        return;
                    }
                    regions.computeIfAbsent(name, n -> new ArrayList<>()).add(region);
                    open = null;
                }
            } else if (open != null) {
                region.add(line);
            } else if (onlySnippetImports && line.startsWith("import ")
                    && !SCAFFOLDING_IMPORT.matcher(line).matches()) {
                problems.add(where + ":" + (i + 1) + ": " + line + " is outside a tagged region: a snippet's file"
                        + " imports only what the snippet shows (write other types by their full names)");
            }
        }
        if (open != null) {
            problems.add(where + ": tag " + open + " is never closed");
            return;
        }
        if (regions.size() > 1) {
            problems.add(where + ": tags " + regions.keySet() + " in one file; one snippet per file, so that its"
                    + " imports are checked by the compiler");
        }
        for (Map.Entry<String, List<List<String>>> entry : regions.entrySet()) {
            String name = entry.getKey();
            List<String> parts = entry.getValue().stream().map(ReadmeSnippetsTest::dedent).toList();
            String text = String.join("\n\n", parts);
            if (snippets.put(name, text) != null) {
                problems.add(where + ": snippet " + name + " is tagged in more than one file");
            }
            checkImports(where, name, text, problems);
        }
    }

    /** Every import shown is used by the code shown (a missing one does not compile). */
    private static void checkImports(String where, String name, String text, List<String> problems) {
        List<String> code = new ArrayList<>();
        List<String> imports = new ArrayList<>();
        for (String line : text.lines().toList()) {
            (line.startsWith("import ") ? imports : code).add(line);
        }
        if (imports.isEmpty()) {
            problems.add(where + ": snippet " + name + " shows no imports: begin it with a region of the imports it"
                    + " needs");
        }
        String body = String.join("\n", code);
        for (String line : imports) {
            Matcher matcher = IMPORT.matcher(line);
            if (!matcher.matches() || matcher.group(3) != null) {
                problems.add(where + ": snippet " + name + ": " + line + " is not a single-name import");
                continue;
            }
            String qualified = matcher.group(2);
            String simple = qualified.substring(qualified.lastIndexOf('.') + 1);
            if (!Pattern.compile("\\b" + Pattern.quote(simple) + "\\b").matcher(body).find()) {
                problems.add(where + ": snippet " + name + " imports " + qualified + " but does not use it");
            }
        }
    }

    /** A region's lines without their common indentation and without blank lines at either end. */
    private static String dedent(List<String> lines) {
        int from = 0;
        int to = lines.size();
        while (from < to && lines.get(from).isBlank()) {
            from++;
        }
        while (to > from && lines.get(to - 1).isBlank()) {
            to--;
        }
        List<String> kept = lines.subList(from, to);
        int indent = kept.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return String.join("\n", kept.stream().map(l -> l.isBlank() ? "" : l.substring(indent).stripTrailing())
                .toList());
    }

    /** The repository root: the parent of the examples module, where the tests run. */
    private static Path repositoryRoot() {
        Path module = Path.of("").toAbsolutePath();
        Path root = module.getParent();
        if (root == null || !Files.exists(root.resolve("README.md")) || !Files.exists(module.resolve("README.md"))) {
            throw new IllegalStateException("run from the examples module (found " + module + ")");
        }
        return root;
    }
}
