package io.secureapi.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The secret-scanner patterns the manual documents (GitHub custom pattern, gitleaks rule), read
 * from its keys page itself and run as Java regexes: they find every generated key, in the contexts
 * keys leak in, and never a key of the earlier format.
 */
class KeyPatternsTest {
    static Pattern github;
    static Pattern gitleaks;

    static String field(List<String> lines, String prefix) {
        String line = lines.stream()
                .filter(l -> l.startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("keys.md has no line starting with " + prefix));
        String rest = line.substring(prefix.length());
        return rest.substring(0, rest.lastIndexOf('`'));
    }

    @BeforeAll
    static void readReadme() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("pom.xml"))) root = root.getParent();
        List<String> lines = Files.readAllLines(root.resolve("src/site/markdown/keys.md"));
        String format = field(lines, "- Secret format: `");
        String before = field(lines, "- Before secret: `");
        String after = field(lines, "- After secret: `");
        github = Pattern.compile("(?:" + before + ")(" + format + ")(?:" + after + ")");
        String rule = lines.stream()
                .filter(l -> l.startsWith("regex = '''"))
                .findFirst()
                .orElseThrow();
        gitleaks = Pattern.compile(rule.substring("regex = '''".length(), rule.lastIndexOf("'''")));
    }

    static List<String> contexts(String key) {
        return List.of(
                key,
                "API_KEY=" + key,
                "\"" + key + "\"",
                "Authorization: Bearer " + key + "\n",
                "key: '" + key + "' # x",
                "{\"value\":\"" + key + "\"}");
    }

    static String found(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : null;
    }

    @Test
    void bothPatterns_findEveryGeneratedKey_whereverItLeaks() {
        for (String name : new String[] {"live", "dev", "partner-a", "a", "z".repeat(32), "0-9"}) {
            for (int i = 0; i < 20; i++) {
                String key = ApiKey.generate(name).reveal();
                assertThat(ApiKey.hasShape(key)).isTrue();
                for (String text : contexts(key)) {
                    assertThat(found(github, text))
                            .as("GitHub pattern in " + text)
                            .isEqualTo(key);
                    assertThat(found(gitleaks, text))
                            .as("gitleaks rule in " + text)
                            .isEqualTo(key);
                }
            }
        }
        assertThat(found(github, "API_KEY=sak_live_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg1XMiRQ"))
                .isEqualTo("sak_live_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg1XMiRQ");
    }

    @Test
    void bothPatterns_neverMatchKeysOfTheEarlierFormat_norLongerTokens() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 500; i++) {
            byte[] b = new byte[32];
            random.nextBytes(b);
            for (String name : new String[] {"live", "dev"}) {
                // what earlier versions generated: sak_<env>_ + 43 URL-safe base64 characters
                String legacy = "sak_" + name + "_"
                        + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
                assertThat(ApiKey.hasShape(legacy)).isFalse();
                for (String text : contexts(legacy)) {
                    assertThat(found(github, text)).as(text).isNull();
                    assertThat(found(gitleaks, text)).as(text).isNull();
                }
            }
        }
        String key = ApiKey.generate("live").reveal();
        assertThat(found(github, key + "x")).isNull();
        assertThat(found(gitleaks, "x" + key.substring(1) + "Q")).isNull();
    }
}
