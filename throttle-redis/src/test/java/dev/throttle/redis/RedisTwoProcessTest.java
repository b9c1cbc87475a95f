package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two JVM processes, several threads and connections each, hammer one key: together they are granted exactly the
 * limit, never more. The second process is this test's classpath running {@link HammerProcess}.
 */
class RedisTwoProcessTest {

    private static final long LIMIT = 600;
    private static final int THREADS = 4;
    private static final int REQUESTS = 300; // per thread: 2 × 4 × 300 = 2400 requests for 600 permits

    @Test
    void twoProcessesTogetherGetExactlyTheLimit() throws Exception {
        RedisServer server = RedisServer.get();
        String prefix = RedisServer.uniquePrefix("two-processes");
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        // The child's output goes to a file, so a chatty child can never block on a full pipe.
        File output = File.createTempFile("hammer", ".out");
        output.deleteOnExit();
        Process other = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                HammerProcess.class.getName(), server.uri().toString(), prefix, "shared", Long.toString(LIMIT),
                Integer.toString(THREADS), Integer.toString(REQUESTS)))
                .redirectErrorStream(true)
                .redirectOutput(output)
                .start();
        try {
            long here = HammerProcess.hammer(server.uri(), prefix, "shared", LIMIT, THREADS, REQUESTS);
            assertThat(other.waitFor(90, TimeUnit.SECONDS)).as("the second process finished").isTrue();
            long there = grantedIn(output);
            assertThat(other.exitValue()).isZero();
            assertThat(here + there).isEqualTo(LIMIT);
        } finally {
            other.destroyForcibly();
        }
    }

    /** Reads the child's "granted N" line (its other output, such as logging, is skipped). */
    private static long grantedIn(File output) throws Exception {
        List<String> lines = Files.readAllLines(output.toPath(), StandardCharsets.UTF_8);
        for (String line : lines) {
            if (line.startsWith("granted ")) {
                return Long.parseLong(line.substring("granted ".length()).trim());
            }
        }
        throw new AssertionError("the second process printed no result: " + lines);
    }
}
