package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.it.Run;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real parser through the one factory, no AWS. */
class CommandLineTest {
    @Test
    void version_printsNameAndVersion() {
        Run run = Run.raw("", Map.of(), "--version");
        assertThat(run.exitCode).isZero();
        assertThat(run.out).startsWith("secure-api 0.");
        assertThat(run.operations).isEmpty();
    }

    @Test
    void help_teachesEveryCommandAndExitCodes() {
        Run run = Run.raw("", Map.of(), "--help");
        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("setup", "verify", "rotate-key", "teardown", "generate-completion", "Exit codes");
        Run setup = Run.raw("", Map.of(), "setup", "--help");
        assertThat(setup.out)
                .contains(
                        "--api-id",
                        "--function",
                        "--dry-run",
                        "--key-out",
                        "--region",
                        "--endpoint-url",
                        "--output",
                        "--verbose",
                        "Examples");
    }

    @Test
    void keys_teachesItsThreeCommands_andAloneIsBadUsage() {
        Run help = Run.raw("", Map.of(), "keys", "--help");
        assertThat(help.exitCode).isZero();
        assertThat(help.out).contains("add", "list", "revoke", "digest", "Examples");
        Run add = Run.raw("", Map.of(), "keys", "add", "--help");
        assertThat(add.out)
                .contains("NAME", "--expires", "--key-out", "--key-file", "--key-stdin", "--region", "--output");
        Run bare = Run.raw("", Map.of(), "keys");
        assertThat(bare.exitCode).isEqualTo(2);
        assertThat(bare.err).contains("error:").contains("add, list, scope, revoke, disable, enable, quota or enforce");
        Run badName = Run.raw("", Map.of(), "keys", "add", "Not_Valid", "--region", "us-east-1");
        assertThat(badName.exitCode).isEqualTo(2);
        assertThat(badName.operations).isEmpty();
    }

    @Test
    void globalOptions_workBeforeAndAfterTheSubcommand() {
        Run before = Run.raw("", Map.of(), "--region", "mars", "setup", "--api-id", "abc");
        Run after = Run.raw("", Map.of(), "setup", "--api-id", "abc", "--region", "mars");
        assertThat(before.exitCode).isEqualTo(2);
        assertThat(after.exitCode).isEqualTo(2);
        assertThat(before.err).contains("mars");
        assertThat(after.err).contains("mars");
    }

    @Test
    void regionFromTheEnvironment_isUsedWhenNoFlag() {
        Run run = Run.raw("", Map.of("AWS_REGION", "mars"), "setup", "--api-id", "abc");
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err).contains("\"mars\" is not an AWS region");
        assertThat(run.operations).isEmpty();
    }

    @Test
    void wellFormedButUnknownRegion_isBadInputBeforeAnyCall() {
        Run run = Run.raw("", Map.of(), "setup", "--api-id", "abcdefgh", "--region", "us-east-99");
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err).contains("\"us-east-99\" is not an AWS region").doesNotContain("null");
        assertThat(run.operations).isEmpty();
    }

    @Test
    void completionScript_isGenerated() {
        Run run = Run.raw("", Map.of(), "generate-completion");
        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("secure-api").contains("complete");
    }

    @Test
    void subcommandVersion_printsSecureApisVersion() {
        for (String sub : new String[] {"setup", "verify", "rotate-key", "teardown", "generate-completion"}) {
            Run run = Run.raw("", Map.of(), sub, "--version");
            assertThat(run.exitCode).as(sub).isZero();
            assertThat(run.out).as(sub).startsWith("secure-api 0.");
        }
    }

    @Test
    void noSubcommand_isBadUsageWithTheUsageOnStderr() {
        Run run = Run.raw("", Map.of());
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.out).isEmpty();
        assertThat(run.err).contains("setup").contains("verify");
    }

    @Test
    void junitOutput_isRefusedOutsideVerify() {
        for (String sub : new String[] {"setup", "rotate-key", "teardown"}) {
            Run run = Run.raw("", Map.of(), sub, "--api-id", "abc", "--output", "junit", "--region", "us-east-1");
            assertThat(run.exitCode).as(sub).isEqualTo(2);
            assertThat(run.err).contains("for verify and scan only");
            assertThat(run.operations).isEmpty();
        }
    }

    @Test
    void jsonOutput_errorIsStillOneJsonDocumentOnStdout() {
        Run run = Run.raw("", Map.of(), "setup", "--api-id", "Bad Id", "--output", "json", "--region", "us-east-1");
        assertThat(run.exitCode).isEqualTo(2);
        var doc = io.secureapi.support.Json.parseObject(run.out);
        assertThat(doc).containsEntry("exitCode", 2L).containsKey("error").containsKey("next");
    }

    @Test
    void helpCommand_worksLikeHelpOption() {
        Run viaCommand = Run.raw("", Map.of(), "help", "rotate-key");
        Run viaOption = Run.raw("", Map.of(), "rotate-key", "--help");
        assertThat(viaCommand.exitCode).as(viaCommand.toString()).isZero();
        assertThat(viaCommand.out).isEqualTo(viaOption.out).contains("--key", "--discard-current");
        Run top = Run.raw("", Map.of(), "help");
        assertThat(top.exitCode).isZero();
        assertThat(top.out).contains("setup", "verify", "help");
        assertThat(top.operations).isEmpty();
    }

    @Test
    void envOption_isOnEveryCommand() {
        for (String sub : new String[] {"setup", "verify", "rotate-key", "teardown"}) {
            Run run = Run.raw("", Map.of(), sub, "--help");
            assertThat(run.out).as(sub).contains("--env=NAME");
        }
    }

    @Test
    void badCommandLine_isOneErrorAndOneNextLine_andInJsonOneDocument() {
        Run run = Run.raw("", Map.of(), "setup", "--bogus");
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err.lines().toList()).hasSize(2);
        assertThat(run.err).startsWith("error: ").contains("\n  next: see secure-api setup --help");
        assertThat(run.out).isEmpty();

        Run json = Run.raw("", Map.of(), "setup", "--bogus", "--output", "json");
        assertThat(json.exitCode).isEqualTo(2);
        assertThat(io.secureapi.support.Json.parseObject(json.out))
                .containsEntry("exitCode", 2L)
                .containsKey("error");
    }

    @TempDir
    java.nio.file.Path dir;

    @Test
    void aConfigNested3000LevelsDeep_isExit2WithOneErrorLine() throws Exception {
        java.nio.file.Path deep = dir.resolve("secure-api.json");
        java.nio.file.Files.writeString(deep, "{\"envs\": " + "{\"a\": ".repeat(3000) + "1" + "}".repeat(3001));
        Run run = Run.raw("", Map.of(), "verify", "--region", "us-east-1", "--config", deep.toString());
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err.lines().filter(l -> l.startsWith("error: "))).hasSize(1);
        assertThat(run.err.lines().count()).as(run.err).isLessThanOrEqualTo(2);
        assertThat(run.err).contains("nested deeper than").doesNotContain("StackOverflow");
    }

    @Test
    void keysListJsonError_namesTheCommandAsTyped() {
        Run run = Run.raw(
                "",
                Map.of(),
                "keys",
                "list",
                "--output",
                "json",
                "--env",
                "nope",
                "--region",
                "us-east-1",
                "--config",
                dir.resolve("none.json").toString());
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.out).contains("\"command\": \"keys list\"");
    }
}
