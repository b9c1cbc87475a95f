package dev.throttle.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Permit;
import dev.throttle.kernel.RefusedPermit;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The RFC 9457 problem document of a refusal, and its JSON escaping (RFC 8259 section 7). */
class ProblemJsonTest {

    private static Refusal refusal(Permit permit, OptionalLong retryAfter) {
        return new Refusal(429, permit, OptionalLong.of(60), retryAfter, List.of());
    }

    @Test
    void aRefusalThatCanBeRetriedSaysWhen() {
        Refusal refusal = refusal(RefusedPermit.of("per-ip", 1, 2_000_000_000L, 0, 5), OptionalLong.of(2));
        HttpRejection answer = RejectionHandler.problemJson().reject(null, refusal);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        assertThat(answer.status()).isEqualTo(429);
        assertThat(answer.headers()).extracting(HttpRejection.Header::name)
                .containsExactly("Retry-After", "Cache-Control");
        assertThat(answer.body()).isEqualTo("{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
                + "\"title\":\"Quota Exceeded\",\"status\":429,"
                + "\"detail\":\"Too many requests for the limit per-ip; retry after 2 s\","
                + "\"violated-policies\":[\"per-ip\"],\"retry-after\":2}\n");
    }

    @Test
    void aRequestThatCanNeverFitSaysSoWithoutARetryTime() {
        Refusal refusal = refusal(RefusedPermit.of("upload", 7, Permit.NEVER, 5, 5), OptionalLong.empty());
        assertThat(RejectionHandler.problemJson().reject(null, refusal).body()).isEqualTo(
                "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
                + "\"title\":\"Quota Exceeded\",\"status\":429,"
                + "\"detail\":\"The request asks for 7 permits, more than the limit upload can ever grant\","
                + "\"violated-policies\":[\"upload\"]}\n");
    }

    @Test
    void stringsAreEscaped() {
        assertThat(ProblemJson.string("a\"b\\c\nd\te\u0001f\u2028")).isEqualTo("\"a\\\"b\\\\c\\nd\\te\\u0001f\\u2028\"");
        assertThat(ProblemJson.string("é/ü")).isEqualTo("\"é/ü\"");
    }
}
