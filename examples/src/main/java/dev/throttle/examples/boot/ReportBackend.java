package dev.throttle.examples.boot;

import reactor.core.publisher.Mono;

/** Where {@link ReportController} gets its reports: slow, and able to build only a few at once. */
@FunctionalInterface
public interface ReportBackend {

    /**
     * Builds a report, once subscribed to.
     *
     * @param id the report's id
     * @return the report's text
     */
    Mono<String> build(String id);
}
