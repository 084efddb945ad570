package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.it.Run;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** --api-id, --dry-run and --report are declared once, as mixins, and every command words them as it always has. */
class SharedOptionsTest {
    private static Map<String, CommandSpec> commands() {
        PrintWriter none = new PrintWriter(new StringWriter());
        CommandLine root = SecureApiCli.create(
                new Session(none, none, InputStream.nullInputStream(), Map.of(), List.of(), false, false));
        Map<String, CommandSpec> all = new LinkedHashMap<>();
        List<CommandLine> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            CommandLine c = todo.remove(0);
            all.put(c.getCommandSpec().qualifiedName(), c.getCommandSpec());
            todo.addAll(c.getSubcommands().values());
        }
        return all;
    }

    /** The commands whose {@code name} option is the very one their mixin of {@code type} declares. */
    private static List<String> fromMixin(Map<String, CommandSpec> commands, String name, Class<?> type) {
        List<String> out = new ArrayList<>();
        commands.forEach((qualified, spec) -> {
            OptionSpec option = spec.findOption(name);
            if (option == null) return;
            boolean mixed = spec.mixins().values().stream()
                    .anyMatch(m -> type.isInstance(m.userObject()) && m.findOption(name) == option);
            assertThat(mixed)
                    .as(qualified + " " + name + " comes from " + type.getSimpleName())
                    .isTrue();
            out.add(qualified.replaceFirst("^secure-api ", ""));
        });
        return out;
    }

    @Test
    void everyApiIdDryRunAndReport_comesFromItsMixin() {
        Map<String, CommandSpec> commands = commands();
        assertThat(fromMixin(commands, "--api-id", ApiIdOption.class))
                .containsExactlyInAnyOrder(
                        "setup",
                        "verify",
                        "rotate-key",
                        "teardown",
                        "keys add",
                        "keys list",
                        "keys scope",
                        "keys revoke",
                        "keys disable",
                        "keys enable",
                        "keys quota",
                        "keys enforce",
                        "iam-policy");
        assertThat(fromMixin(commands, "--dry-run", DryRunOption.class))
                .containsExactlyInAnyOrder(
                        "setup",
                        "rotate-key",
                        "teardown",
                        "keys add",
                        "keys scope",
                        "keys disable",
                        "keys enable",
                        "keys quota",
                        "keys enforce");
        assertThat(fromMixin(commands, "--report", ReportOption.class)).containsExactlyInAnyOrder("verify", "scan");
    }

    @Test
    void eachCommand_keepsItsOwnWording() {
        Map<String, CommandSpec> commands = commands();
        assertThat(description(commands, "setup", "--api-id"))
                .isEqualTo("The HTTP API to protect (default: from secure-api.json).");
        assertThat(description(commands, "teardown", "--api-id"))
                .isEqualTo("The HTTP API to remove secure-api from (default: from secure-api.json).");
        assertThat(description(commands, "keys list", "--api-id"))
                .isEqualTo("The HTTP API (default: from secure-api.json).");
        assertThat(description(commands, "teardown", "--dry-run")).isEqualTo("Print the plan and change nothing.");
        assertThat(description(commands, "rotate-key", "--dry-run"))
                .isEqualTo("Print what would change and change nothing.");
        assertThat(description(commands, "keys add", "--dry-run"))
                .isEqualTo("Check everything and say what would change; change nothing.");
        assertThat(description(commands, "verify", "--report")).endsWith("the checklist to stdout).");
        assertThat(description(commands, "scan", "--report")).endsWith("the table to stdout).");
    }

    private static String description(Map<String, CommandSpec> commands, String command, String option) {
        return String.join(
                " ", commands.get("secure-api " + command).findOption(option).description());
    }

    @Test
    void everyCommandWithApiId_picksTheEntryHoldingIt_andRefusesAnEnvOfAnotherApi(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("secure-api.json");
        Files.writeString(
                config,
                "{\"schemaVersion\": 2, \"envs\": {" + entry("dev", "aaa1", "us-east-1") + ", "
                        + entry("prod", "bbb2", "eu-west-1") + "}}");
        for (String command : List.of(
                "verify",
                "rotate-key",
                "teardown",
                "keys add k1",
                "keys list",
                "keys scope k1 --all-routes",
                "keys revoke k1")) {
            List<String> words = new ArrayList<>(List.of(command.split(" ")));
            words.addAll(List.of("--config", config.toString(), "--endpoint-url", "http://127.0.0.1:9"));
            Run other = Run.raw("", Map.of(), concat(words, "--env", "prod", "--api-id", "aaa1"));
            assertThat(other.exitCode).as(command + "\n" + other).isEqualTo(2);
            assertThat(other.err).as(command).contains("entry prod of " + config + " is API bbb2, not aaa1");
            assertThat(other.operations).as(command).isEmpty();
            // the entry holding aaa1 is in us-east-1: another --region is refused before any AWS call
            Run held = Run.raw("", Map.of(), concat(words, "--api-id", "aaa1", "--region", "eu-west-1"));
            assertThat(held.exitCode).as(command + "\n" + held).isEqualTo(2);
            assertThat(held.err).as(command).contains("says API aaa1 is in us-east-1, not eu-west-1");
            assertThat(held.operations).as(command).isEmpty();
        }
    }

    private static String[] concat(List<String> words, String... more) {
        List<String> all = new ArrayList<>(words);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static String entry(String name, String apiId, String region) {
        return "\"" + name + "\": {\"apiId\": \"" + apiId + "\", \"region\": \"" + region
                + "\", \"functionArn\": \"arn:aws:lambda:" + region
                + ":123456789012:function:f\", \"functionManaged\": true, \"secretArn\": \"arn:aws:secretsmanager:"
                + region
                + ":123456789012:secret:s-AbCdEf\", \"secretName\": \"s\", \"authorizerId\": \"a\", \"authorizerName\": \"secure-api-key\","
                + " \"header\": \"Authorization\", \"cacheTtl\": 300, \"routes\": [], \"excludedRoutes\": []}";
    }
}
