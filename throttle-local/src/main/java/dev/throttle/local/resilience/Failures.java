package dev.throttle.local.resilience;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Helpers on the failures of asynchronous stages. */
final class Failures {

    private Failures() {
    }

    /**
     * The failure a stage really failed with: dependent stages wrap it in a {@link CompletionException} (and
     * {@code get()} in an {@link ExecutionException}), which predicates must not have to know about.
     *
     * @param failure the failure as reported, or null
     * @return the innermost cause of the wrappers, or null
     */
    static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
