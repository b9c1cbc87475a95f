package dev.throttle.examples;

import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.redis.RedisEngine;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Example 4: one limit shared by two processes through Redis. Two worker JVMs, each with several threads, ask the same
 * sliding-log limiter of {@value #LIMIT} permits per hour for far more than that; together they get exactly
 * {@value #LIMIT}, however the permits split between them. A sliding log holds at most {@value #LIMIT} in any hour, so
 * a run is never split by a window's start (a fixed window's would grant the limit again if a run crossed the hour).
 *
 * <p>Run it from the repository root with {@code ./mvnw -B -ntp -pl examples -am compile -Prun
 * -Dexec.mainClass=dev.throttle.examples.DistributedLimit}. It uses {@code REDIS_URL} when set; otherwise it starts its
 * own redis-server (from the PATH, else the one embedded-redis ships) and stops it at the end.
 */
public final class DistributedLimit {

    /** The shared limit: permits in any hour, for the whole fleet. */
    static final long LIMIT = 500;

    /** What each worker asks for: more than the limit on its own. */
    static final int REQUESTS_PER_WORKER = 2_000;

    private static final int THREADS_PER_WORKER = 4;
    private static final long WORKER_TIMEOUT_SECONDS = 120;
    private static final String GRANTED = "granted ";

    private DistributedLimit() {
    }

    /**
     * Starts (or finds) Redis and two workers, then prints what each was granted; with {@code worker <uri> <name>}
     * as arguments it is one of the workers.
     *
     * @param args nothing, or {@code worker <redis uri> <limiter name>}
     * @throws Exception if Redis or a worker cannot be started
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("worker")) {
            System.out.println(GRANTED + hammer(RedisURI.create(args[1]), args[2]));
            return;
        }
        try (ExampleRedis redis = ExampleRedis.start()) {
            System.out.println("Redis: " + redis.uri() + " (" + redis.origin() + ")");
            List<Long> granted = runWorkers(redis.uri(), 2);
            long total = granted.stream().mapToLong(Long::longValue).sum();
            for (int worker = 0; worker < granted.size(); worker++) {
                System.out.println("worker " + (worker + 1) + " (its own JVM, " + THREADS_PER_WORKER
                        + " threads, " + REQUESTS_PER_WORKER + " requests): granted " + granted.get(worker));
            }
            System.out.println("total granted: " + total + " (the shared limit is " + LIMIT + ")");
        }
    }

    /**
     * Runs worker processes against one fresh limiter and collects what each was granted.
     *
     * @param uri the shared Redis
     * @param workers how many processes
     * @return permits granted, per worker
     * @throws IOException if a worker cannot be started or its output read
     * @throws InterruptedException if interrupted while waiting for them
     */
    static List<Long> runWorkers(RedisURI uri, int workers) throws IOException, InterruptedException {
        // A fresh name per run, so a run against a long-lived REDIS_URL does not find the last run's grants in the log.
        String name = "orders-" + System.currentTimeMillis();
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<Process> processes = new ArrayList<>();
        for (int worker = 0; worker < workers; worker++) {
            processes.add(new ProcessBuilder(java, "-cp", classPath(),
                    DistributedLimit.class.getName(), "worker", uri.toURI().toString(), name)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }
        List<Long> granted = new ArrayList<>();
        for (Process process : processes) {
            granted.add(readGranted(process));
        }
        return granted;
    }

    /**
     * The class path this program runs on, for its workers: the URLs of its class loader when that is a
     * {@link URLClassLoader} (Maven's {@code exec:java}, where {@code java.class.path} is Maven's own), else
     * {@code java.class.path} (a plain {@code java -cp}, or a test).
     */
    private static String classPath() {
        if (DistributedLimit.class.getClassLoader() instanceof URLClassLoader loader && loader.getURLs().length > 0) {
            StringJoiner path = new StringJoiner(File.pathSeparator);
            for (URL url : loader.getURLs()) {
                try {
                    path.add(new File(url.toURI()).getPath());
                } catch (URISyntaxException | IllegalArgumentException notAFile) {
                    throw new IllegalStateException("a class path entry that is not a file: " + url, notAFile);
                }
            }
            return path.toString();
        }
        return System.getProperty("java.class.path");
    }

    private static long readGranted(Process process) throws IOException, InterruptedException {
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            if (!process.waitFor(WORKER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("a worker did not finish in " + WORKER_TIMEOUT_SECONDS + " s");
            }
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(GRANTED)) {
                    return Long.parseLong(line.substring(GRANTED.length()).trim());
                }
            }
        }
        throw new IllegalStateException("a worker exited with " + process.exitValue() + " without a count");
    }

    /** One worker: a few threads sharing one engine (one connection) ask for permits as fast as they can. */
    private static long hammer(RedisURI uri, String name) throws InterruptedException {
        RedisClient client = RedisClient.create();
        AtomicLong granted = new AtomicLong();
        try (RedisEngine engine = RedisEngine.builder(client, uri).decisionTimeout(Duration.ofSeconds(5)).build()) {
            RateLimiter orders = engine.rateLimiter(name, SlidingLog.of(LIMIT, Duration.ofHours(1)));
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS_PER_WORKER; t++) {
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < REQUESTS_PER_WORKER / THREADS_PER_WORKER; i++) {
                        if (orders.allow()) {
                            granted.incrementAndGet();
                        }
                    }
                });
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(WORKER_TIMEOUT_SECONDS));
            }
        } finally {
            client.shutdown();
        }
        return granted.get();
    }
}
