package dev.throttle.examples.boot;

import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Mono;

/**
 * Example 7: a Spring Boot WebFlux application (Reactor Netty) whose every limit comes from {@code application.yml}.
 * It declares no limiter, no engine and no filter: with {@code throttle-local} on the class path, Spring Boot makes
 * the engine, the limiters and the WebFlux filter from the {@code throttle.*} properties.
 *
 * <ul>
 *   <li>Every {@code /api/**} request counts against its client's token bucket ({@code throttle.keyed.per-client}):
 *   over it, the filter answers 429 with {@code Retry-After} and the RateLimit headers.</li>
 *   <li>{@code GET /api/hello}: a greeting.</li>
 *   <li>{@code GET /api/quotes/{user}}: a price quote from {@link QuoteService}, whose method is
 *   {@code @Throttled} by a sliding window per user ({@code throttle.keyed.quotes}): over it, the fallback's answer.</li>
 *   <li>{@code GET /api/reports/{id}}: a slow report, each subscription guarded by the Reactor operator with a
 *   concurrency limit ({@code throttle.limiters.reports}): two built at once, four waiting their turn without holding a
 *   thread, the next refused with 503 (see {@link ReportController}).</li>
 * </ul>
 *
 * <p>Run it with {@code ./mvnw -B -ntp -pl examples -am compile -Prun,boot -Dexec.mainClass=dev.throttle.examples.boot.BootApp}
 * (port 8080; add {@code -Dexec.args=--server.port=9090} for another). Its test starts it from the same YAML.
 */
@SpringBootApplication
public class BootApp {

    /** How long the stand-in report backend takes per report. */
    static final Duration REPORT_TIME = Duration.ofMillis(500);

    /** Creates the application's configuration; Spring instantiates it. */
    public BootApp() {
    }

    /**
     * Starts the application.
     *
     * @param args Spring Boot's command-line arguments, such as {@code --server.port=9090}
     */
    public static void main(String[] args) {
        SpringApplication.run(BootApp.class, args);
    }

    /**
     * The backend that builds reports: here a stand-in that takes {@link #REPORT_TIME} per report.
     *
     * @return the backend
     */
    @Bean
    ReportBackend reportBackend() {
        return id -> Mono.delay(REPORT_TIME).map(tick -> "report " + id + "\n");
    }
}
