package dev.throttle.examples;

import static dev.throttle.examples.JarContentsTest.ROOT;
import static dev.throttle.examples.JarContentsTest.jar;
import static dev.throttle.examples.JarContentsTest.license;
import static dev.throttle.examples.JarContentsTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sources and javadoc jars that {@code ./mvnw -B verify -Prelease} adds to the library modules. Run only by that
 * profile (the examples pom excludes this class otherwise), after the library modules are packaged.
 */
class ReleaseJarsTest {

    /** Every source file in the sources jar, the javadoc of the module in the javadoc jar, and the license in both. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"throttle-api, dev/throttle", "throttle-local, dev/throttle/local",
            "throttle-redis, dev/throttle/redis"})
    void theReleaseBuildAddsSourcesAndJavadocJars(String artifact, String packagePath) throws IOException {
        Path sourceRoot = ROOT.resolve(artifact).resolve("src/main/java");
        Set<String> sources = new TreeSet<>();
        try (Stream<Path> files = Files.walk(sourceRoot)) {
            files.filter(f -> f.toString().endsWith(".java"))
                    .forEach(f -> sources.add(sourceRoot.relativize(f).toString().replace('\\', '/')));
        }
        try (JarFile file = new JarFile(jar(artifact, "-sources").toFile())) {
            Set<String> shipped = new TreeSet<>();
            file.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".java")).forEach(shipped::add);
            assertThat(shipped).as("%s sources jar", artifact).isEqualTo(sources);
            assertThat(text(file, "META-INF/LICENSE")).isEqualTo(license());
        }
        try (JarFile file = new JarFile(jar(artifact, "-javadoc").toFile())) {
            assertThat(file.getEntry("index.html")).as("%s javadoc index", artifact).isNotNull();
            assertThat(file.stream().map(ZipEntry::getName))
                    .as("%s javadoc of its main package", artifact)
                    .anyMatch(name -> name.endsWith(packagePath + "/package-summary.html"));
            assertThat(text(file, "META-INF/LICENSE")).isEqualTo(license());
        }
    }
}
