package dev.throttle.local;

import dev.throttle.testing.ExportedApi;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The API this module exports is the reviewed one, committed in {@code exported-api.txt}: an addition or a removal
 * fails here until that file is updated in the same change.
 */
class ExportedApiTest {

    @Test
    void theExportedApiIsTheCommittedOne() throws Exception {
        ExportedApi.check(Path.of("target", "classes"), Path.of("exported-api.txt"));
    }
}
