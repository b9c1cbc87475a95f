package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The GraalVM native-image metadata of this module lists exactly the resources the Redis engine loads. A native image
 * holds only the resources its metadata names, and {@link Script} builds its file names at run time (an algorithm's
 * name + ".lua", and {@code --#include} lines), which native-image cannot see. Two files say the same: {@code
 * resource-config.json}, which every native-image reads (GraalVM 21.x and later), and {@code
 * reachability-metadata.json}, the single-file form GraalVM for JDK 23 introduced (and later 17 and 21 updates
 * read).
 *
 * <p>What the engine loads is observed, not restated: {@link Script} is initialized in a class loader that records
 * every resource asked of it. And no other class of the module may load a resource.
 */
class NativeImageMetadataTest {

    private static final String DIRECTORY = "META-INF/native-image/dev.throttle/throttle-redis/";

    @Test
    void resourceConfigListsExactlyTheScriptsTheEngineLoads() throws Exception {
        Set<String> loaded = resourcesLoadedByScript();
        assertThat(loaded).as("the scripts Script loads").isNotEmpty()
                .allMatch(name -> name.startsWith("dev/throttle/redis/") && name.endsWith(".lua"));

        List<Pattern> patterns = new ArrayList<>();
        for (String pattern : values(read("resource-config.json"), "pattern")) {
            patterns.add(Pattern.compile(pattern));
        }
        for (String name : loaded) {
            assertThat(patterns).as("resource-config.json includes %s", name)
                    .anyMatch(pattern -> pattern.matcher(name).matches());
        }
        for (Pattern pattern : patterns) {
            assertThat(loaded).as("a resource the engine loads matches resource-config.json's %s", pattern)
                    .anyMatch(name -> pattern.matcher(name).matches());
        }
    }

    @Test
    void reachabilityMetadataListsExactlyTheScriptsTheEngineLoads() throws Exception {
        List<String> globs = values(read("reachability-metadata.json"), "glob");
        assertThat(globs).as("globs are plain names here").noneMatch(glob -> glob.contains("*"));
        assertThat(new TreeSet<>(globs)).as("reachability-metadata.json's resources")
                .containsExactlyElementsOf(resourcesLoadedByScript());
    }

    @Test
    void noOtherClassOfTheModuleLoadsResources() throws IOException, URISyntaxException {
        Path classes = Paths.get(Script.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes).as("the module's classes, a directory in this build").isDirectory();
        List<String> loaders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                // The method names appear in the constant pool of any class that calls them.
                String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                if (bytes.contains("getResource") || bytes.contains("getSystemResource")) {
                    loaders.add(classes.relativize(file).toString().replace('\\', '/'));
                }
            }
        }
        assertThat(loaders).as("classes that load resources (list what they load in the native-image metadata)")
                .containsExactly("dev/throttle/redis/Script.class");
    }

    /** The resources {@link Script}'s initialization asks for, observed in a class loader of its own. */
    private static Set<String> resourcesLoadedByScript() throws ClassNotFoundException {
        Recording loader = new Recording(Script.class.getClassLoader());
        Class.forName(Script.class.getName(), true, loader);
        return loader.names();
    }

    private static String read(String file) throws IOException {
        URL url = Script.class.getClassLoader().getResource(DIRECTORY + file);
        assertThat(url).as("%s on the class path", DIRECTORY + file).isNotNull();
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The string values of a field, wherever it appears in a JSON text (only \\ and \" escapes are expected). */
    private static List<String> values(String json, String field) {
        Matcher matcher = Pattern.compile("\"" + field + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        List<String> values = new ArrayList<>();
        while (matcher.find()) {
            values.add(matcher.group(1).replaceAll("\\\\(.)", "$1"));
        }
        assertThat(values).as("%s values", field).isNotEmpty();
        return values;
    }

    /** Defines {@link Script} anew, everything else from its parent, and records every resource asked of it. */
    private static final class Recording extends ClassLoader {

        private final Set<String> names = new TreeSet<>();

        Recording(ClassLoader parent) {
            super("recording", parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.equals(Script.class.getName())) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null) {
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        byte[] bytes = in.readAllBytes();
                        loaded = defineClass(name, bytes, 0, bytes.length);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return loaded;
            }
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            synchronized (names) {
                names.add(name);
            }
            return super.getResourceAsStream(name);
        }

        Set<String> names() {
            synchronized (names) {
                return new TreeSet<>(names);
            }
        }
    }
}
