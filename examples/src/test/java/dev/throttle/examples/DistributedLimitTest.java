package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the distributed example's two worker JVMs against a real Redis and checks the fleet got exactly the limit. */
class DistributedLimitTest {

    @Test
    void twoProcessesTogetherGetExactlyTheSharedLimit() throws Exception {
        try (ExampleRedis redis = ExampleRedis.start()) {
            List<Long> granted = DistributedLimit.runWorkers(redis.uri(), 2);

            assertThat(granted).hasSize(2);
            assertThat(granted.get(0) + granted.get(1)).isEqualTo(DistributedLimit.LIMIT);
            assertThat(granted).allMatch(count -> count >= 0 && count <= DistributedLimit.LIMIT);
        }
    }

    /**
     * As the README runs it, through Maven's {@code exec:java}: the program is loaded by a class loader of its own, and
     * {@code java.class.path} names Maven's jars, not the program's. Its workers must still find it (they once got
     * the JVM's class path, and both died of a {@code ClassNotFoundException}).
     */
    @Test
    void workersFindTheProgramWhenItRunsInAClassLoaderOfItsOwn() throws Exception {
        String classPath = System.getProperty("java.class.path");
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            urls.add(toUrl(entry));
        }
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]),
                ClassLoader.getPlatformClassLoader())) {
            Method main = loader.loadClass(DistributedLimit.class.getName()).getMethod("main", String[].class);
            System.setProperty("java.class.path", ""); // nothing of the program's, as under exec:java
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(out);
            System.setProperty("java.class.path", classPath);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("total granted: " + DistributedLimit.LIMIT + " (the shared limit is "
                        + DistributedLimit.LIMIT + ")");
    }

    private static URL toUrl(String entry) {
        try {
            return new File(entry).toURI().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException("class path entry " + entry, e);
        }
    }
}
