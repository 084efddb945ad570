package io.secureapi.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every relative link of the README and of the manual (src/site/markdown/*.md) resolves: the file
 * exists inside the repository, and a {@code #anchor} names a heading of the target page as GitHub
 * renders its id. Links to other sites are not followed.
 */
class ManualLinksTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("`+[^`]*`+");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    @Test
    void everyLinkOfTheReadmeAndTheManualResolves() throws IOException {
        Path root = repositoryRoot();
        List<Path> pages = new ArrayList<>();
        pages.add(root.resolve("README.md"));
        try (Stream<Path> s = Files.list(root.resolve("src/site/markdown"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertThat(pages).hasSizeGreaterThan(5);

        List<String> problems = new ArrayList<>();
        for (Path page : pages) problems.addAll(problems(root, page));

        assertThat(problems).as("broken links").isEmpty();
    }

    @Test
    void theReadmeLinksEveryManualPage() throws IOException {
        Path root = repositoryRoot();
        String readme = Files.readString(root.resolve("README.md"));
        try (Stream<Path> s = Files.list(root.resolve("src/site/markdown"))) {
            s.filter(p -> p.toString().endsWith(".md"))
                    .forEach(p -> assertThat(readme)
                            .as("README links " + p.getFileName())
                            .contains("](src/site/markdown/" + p.getFileName() + ")"));
        }
    }

    @Test
    void slugsAreGitHubs() {
        assertThat(slug("Several APIs (`--env`)")).isEqualTo("several-apis---env");
        assertThat(slug("After every `amplify push`: the Amplify hook"))
                .isEqualTo("after-every-amplify-push-the-amplify-hook");
        assertThat(slug("A new key is never lost (`secure-api.json.pending`)"))
                .isEqualTo("a-new-key-is-never-lost-secure-apijsonpending");
        assertThat(slug("verify in CI (GitHub Actions)")).isEqualTo("verify-in-ci-github-actions");
        assertThat(slug("What gets wired, and why")).isEqualTo("what-gets-wired-and-why");
        assertThat(slug("snake_case **bold** [a link](x.md)")).isEqualTo("snake_case-bold-a-link");
    }

    @Test
    void aBrokenFileOrAnchorOrALinkOutOfTheRepositoryIsReported(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve("other.md"), "# Other\n\n## Same\n\n## Same\n");
        Path page = root.resolve("page.md");
        Files.writeString(
                page,
                String.join(
                        "\n",
                        "# Page",
                        "[ok](other.md) [ok](other.md#same) [ok](other.md#same-1) [ok](#page) [web](https://example.com/x)",
                        "[missing file](nowhere.md)",
                        "[missing anchor](other.md#nope)",
                        "[missing own anchor](#nope)",
                        "[outside](../elsewhere.md)",
                        "`[in code](nowhere-either.md)`",
                        "```",
                        "[in a fence](nowhere-at-all.md)",
                        "```",
                        ""));

        assertThat(problems(root, page))
                .containsExactly(
                        "page.md:3: no file nowhere.md",
                        "page.md:4: no heading #nope in other.md",
                        "page.md:5: no heading #nope in page.md",
                        "page.md:6: ../elsewhere.md is outside the repository");
    }

    /** What is wrong with the relative links of {@code page}, one line each; empty when nothing. */
    static List<String> problems(Path root, Path page) {
        List<String> out = new ArrayList<>();
        String name = root.relativize(page).toString();
        List<String> lines = read(page);
        boolean fence = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("```") || line.strip().startsWith("~~~")) {
                fence = !fence;
                continue;
            }
            if (fence) continue;
            Matcher m = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
            while (m.find()) {
                String target = m.group(1);
                if (SCHEME.matcher(target).find()) continue;
                String where = name + ":" + (i + 1) + ": ";
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved =
                        file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!resolved.startsWith(root.normalize())) {
                    out.add(where + target + " is outside the repository");
                } else if (!Files.exists(resolved)) {
                    out.add(where + "no file " + file);
                } else if (anchor != null && !anchors(resolved).contains(anchor)) {
                    out.add(where + "no heading #" + anchor + " in " + root.relativize(resolved));
                }
            }
        }
        return out;
    }

    /** The heading ids GitHub gives a Markdown file (a repeated id gets -1, -2, …). */
    static Set<String> anchors(Path page) {
        Set<String> out = new LinkedHashSet<>();
        if (!page.toString().endsWith(".md")) return out;
        Map<String, Integer> seen = new HashMap<>();
        boolean fence = false;
        for (String line : read(page)) {
            if (line.strip().startsWith("```") || line.strip().startsWith("~~~")) {
                fence = !fence;
                continue;
            }
            Matcher m = HEADING.matcher(line);
            if (fence || !m.matches()) continue;
            String id = slug(m.group(2));
            int n = seen.merge(id, 1, Integer::sum) - 1;
            out.add(n == 0 ? id : id + "-" + n);
        }
        return out;
    }

    /**
     * GitHub's heading id: the rendered text (link targets and emphasis marks gone), lower case,
     * every character but letters, digits, spaces, '-' and '_' removed, spaces turned into '-'.
     */
    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                .replaceAll("(\\*{1,3})([^*]+)\\1", "$2")
                .toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') b.appendCodePoint(c);
            else if (c == ' ') b.append('-');
        });
        return b.toString();
    }

    private static List<String> read(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path repositoryRoot() {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("pom.xml"))) root = root.getParent();
        return root;
    }
}
