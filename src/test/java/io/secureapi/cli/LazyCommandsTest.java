package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Only the subcommand a command line names is built, and it is the same command as in the whole tree. */
class LazyCommandsTest {
    private static Session quiet() {
        PrintWriter none = new PrintWriter(new StringWriter());
        return new Session(none, none, InputStream.nullInputStream(), Map.of(), List.of(), false, false);
    }

    private static Map<String, CommandLine> tree(CommandLine root) {
        Map<String, CommandLine> all = new LinkedHashMap<>();
        List<CommandLine> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            CommandLine c = todo.remove(0);
            all.put(c.getCommandSpec().qualifiedName(), c);
            todo.addAll(c.getSubcommands().values());
        }
        return all;
    }

    private static String named(String... args) {
        Class<?> c =
                SecureApiCli.named(SecureApiCli.create(quiet(), new String[0]).getCommandSpec(), args);
        return c == null ? "whole tree" : c.getSimpleName();
    }

    @Test
    void theFirstWordThatIsNotARootOptionOrItsValue_choosesTheCommand() {
        assertThat(named("setup", "--api-id", "a1")).isEqualTo("SetupCommand");
        // an option's value that happens to be a command's name is not the command
        assertThat(named("--region", "verify", "setup")).isEqualTo("SetupCommand");
        assertThat(named("--output=json", "--verbose", "keys", "add", "partner"))
                .isEqualTo("KeysCommand");
        assertThat(named("--env", "prod", "rotate-key", "--finish")).isEqualTo("RotateKeyCommand");
        // help, completion, a typo and no command at all: every command, for listings and suggestions
        assertThat(named("--help")).isEqualTo("whole tree");
        assertThat(named("help", "setup")).isEqualTo("whole tree");
        assertThat(named("generate-completion")).isEqualTo("whole tree");
        assertThat(named("verfy")).isEqualTo("whole tree");
        assertThat(named()).isEqualTo("whole tree");
    }

    @Test
    void noOptionNeedsAConverterThatStartUpLeavesOut() {
        List<String> needing = new ArrayList<>();
        for (CommandLine c : tree(SecureApiCli.create(quiet())).values()) {
            for (CommandLine.Model.ArgSpec arg : c.getCommandSpec().args()) {
                if (arg.converters().length > 0) continue; // its own converter
                List<Class<?>> types = new ArrayList<>(List.of(arg.type()));
                types.addAll(List.of(arg.auxiliaryTypes()));
                for (Class<?> t : types) {
                    if (t.getName().matches(SecureApiCli.UNUSED_CONVERTERS))
                        needing.add(c.getCommandSpec().qualifiedName() + " " + arg + ": " + t.getName());
                }
            }
        }
        assertThat(needing).isEmpty();
        // picocli splits the property at commas and matches each class name (String.matches): one
        // pattern here, which leaves out those two packages and nothing else
        assertThat(SecureApiCli.UNUSED_CONVERTERS).doesNotContain(",");
        assertThat(java.time.Duration.class.getName()).matches(SecureApiCli.UNUSED_CONVERTERS);
        assertThat(java.sql.Timestamp.class.getName()).matches(SecureApiCli.UNUSED_CONVERTERS);
        assertThat(java.nio.file.Path.class.getName()).doesNotMatch(SecureApiCli.UNUSED_CONVERTERS);
        assertThat("java.timex.Foo").doesNotMatch(SecureApiCli.UNUSED_CONVERTERS);
    }

    @Test
    void eachCommandBuiltAlone_isTheCommandOfTheWholeTree() {
        Map<String, CommandLine> whole = tree(SecureApiCli.create(quiet()));
        assertThat(whole).containsKeys("secure-api setup", "secure-api keys add", "secure-api help");
        for (var e : whole.entrySet()) {
            String[] path = e.getKey().split(" ");
            if (path.length < 2) continue;
            String[] args = java.util.Arrays.copyOfRange(path, 1, path.length);
            Map<String, CommandLine> alone = tree(SecureApiCli.create(quiet(), args));
            assertThat(alone).as(e.getKey()).containsKey(e.getKey());
            if (!e.getKey().startsWith("secure-api help") && !e.getKey().startsWith("secure-api generate-completion"))
                assertThat(alone.keySet())
                        .as("only " + path[1] + " is built for " + e.getKey())
                        .allMatch(k -> k.equals("secure-api") || k.startsWith("secure-api " + path[1]));
            assertThat(alone.get(e.getKey()).getUsageMessage(CommandLine.Help.Ansi.OFF))
                    .as(e.getKey() + " --help")
                    .isEqualTo(e.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF));
        }
    }

    /**
     * picocli formats every description with String.format when it renders help: a bare % makes it
     * print a warning to stderr on every --help (and fall back to the raw text).
     */
    @Test
    void everyHelpRendersWithoutPicocliWarnings() {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            tree(SecureApiCli.create(quiet())).values().forEach(c -> c.getUsageMessage(CommandLine.Help.Ansi.OFF));
        } finally {
            System.setErr(stderr);
        }
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("[picocli WARN]");
    }
}
