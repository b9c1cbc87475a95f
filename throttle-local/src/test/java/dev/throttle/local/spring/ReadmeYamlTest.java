package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's YAML is the configuration an application the tests run uses (example 7's, run by BootAppTest): each {@code ```yaml} block after a line
 * {@code <!-- yaml: path -->} equals that file of the repository, so the example shown is one that works.
 */
class ReadmeYamlTest {

    private static final Pattern MARKER = Pattern.compile("^<!-- yaml: (\\S+) -->$");

    @Test
    void everyMarkedYamlBlockOfTheReadmeIsItsTestResource() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> lines = Files.readAllLines(root.resolve("README.md"), StandardCharsets.UTF_8);
        List<String> checked = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher marker = MARKER.matcher(lines.get(i));
            if (!marker.matches()) {
                continue;
            }
            assertThat(lines.get(i + 1)).as("the line after " + lines.get(i)).isEqualTo("```yaml");
            StringBuilder block = new StringBuilder();
            int line = i + 2;
            for (; !lines.get(line).equals("```"); line++) {
                block.append(lines.get(line)).append('\n');
            }
            String file = Files.readString(root.resolve(marker.group(1)), StandardCharsets.UTF_8);
            assertThat(block.toString()).as("the README's block of " + marker.group(1)).isEqualTo(file);
            checked.add(marker.group(1));
        }
        assertThat(checked).containsExactly("examples/src/main/resources/application.yml");
    }
}
