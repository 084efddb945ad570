package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.keys.PendingKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys never reach a CI log: runs with --no-new-key or SECURE_API_NO_KEY_OUTPUT=1 leave a
 * recovered key in the 0600 .pending file; files that hold keys go into the repository's
 * .gitignore (created at its root, never through a link); a .pending file git tracks is reported.
 */
class KeyOutputIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    static void git(Path in, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", in.toString()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(cmd + ": " + out).isZero();
    }

    static String gitOut(Path in, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", in.toString()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    /** A run with the emulator, the config and an extra environment. */
    static Run withEnv(Path config, Map<String, String> env, String... args) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        a.addAll(List.of("--endpoint-url", LocalAws.endpoint(), "--region", Aws.REGION, "--config", config.toString()));
        return Run.raw("", env, a.toArray(String[]::new));
    }

    /** A key AWS holds that an earlier run stored and never showed: what a run killed at the wrong moment leaves. */
    static void leavePending(Path config, String api, String key) {
        PendingKeys.forConfig(config)
                .put(new PendingKeys.Record("default", "live", api, Aws.REGION, "secure-api/" + api + "/api-key", key));
    }

    @Test
    void recoveredKeys_stayInThePendingFile_underNoNewKeyAndTheEnvironmentVariable_andAPlainRunHandsThemOver()
            throws Exception {
        Path config = dir.resolve("secure-api.json");
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config, "setup", "--api-id", api, "--key-out", dir.resolve("k").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        String key = Files.readString(dir.resolve("k")).strip();
        leavePending(config, api, key);
        Path pending = PendingKeys.forConfig(config).file();

        assertThat(dir.resolve(".gitignore")).exists();
        Files.delete(dir.resolve(".gitignore"));
        Run hook = Run.cli(config, "setup", "--no-new-key");
        assertThat(hook.exitCode).as(hook.toString()).isZero();
        assertThat(dir.resolve(".gitignore"))
                .as("a run that writes no key file writes no .gitignore")
                .doesNotExist();
        assertThat(hook.all()).doesNotContain(key);
        assertThat(hook.err).contains(pending.toString()).contains("secure-api keys list");
        assertThat(Files.readString(pending)).contains(key);

        for (String[] args : List.of(
                new String[] {"verify"}, new String[] {"keys", "list"}, new String[] {"setup", "--output", "json"})) {
            Run ci = withEnv(config, Map.of("SECURE_API_NO_KEY_OUTPUT", "1"), args);
            assertThat(ci.all()).as(ci.toString()).doesNotContain(key);
            assertThat(Files.readString(pending)).contains(key);
        }

        Run mine = Run.cli(config, "keys", "list");
        assertThat(mine.exitCode).as(mine.toString()).isZero();
        assertThat(mine.out).contains(key);
        assertThat(pending).doesNotExist();
    }

    @Test
    void
            keyFiles_goIntoTheGitignoreAtTheRepositoryRoot_createdWhenAbsent_neverThroughALink_andATrackedPendingIsExposed()
                    throws Exception {
        Path repo = dir.resolve("repo");
        Files.createDirectories(repo.resolve("infra"));
        git(repo, "init", "-q");
        Path config = repo.resolve("infra/secure-api.json");
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config,
                "setup",
                "--api-id",
                api,
                "--key-out",
                repo.resolve("infra/api-key.txt").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        assertThat(Files.readAllLines(repo.resolve(".gitignore")))
                .contains(
                        "/infra/secure-api.json.pending", "/infra/secure-api.json.pending.tmp-*", "/infra/api-key.txt");
        assertThat(repo.resolve("infra/.gitignore")).doesNotExist();
        // what git shows the user to commit: the config, never the key file
        assertThat(gitOut(repo, "status", "--porcelain", "--untracked-files=all"))
                .contains("infra/secure-api.json")
                .doesNotContain("api-key.txt");

        // a linked .gitignore is not written through
        Path target = dir.resolve("elsewhere.txt");
        Files.writeString(target, "mine\n");
        Files.delete(repo.resolve(".gitignore"));
        Files.createSymbolicLink(repo.resolve(".gitignore"), target);
        Run add = Run.cli(
                config,
                "keys",
                "add",
                "partner-a",
                "--key-out",
                repo.resolve("infra/a.key").toString());
        assertThat(add.exitCode).as(add.toString()).isZero();
        assertThat(Files.readString(target)).isEqualTo("mine\n");
        assertThat(add.err).contains("warning: ").contains("symbolic link");

        // a .pending file git tracks: its keys are exposed
        String key = Files.readString(repo.resolve("infra/api-key.txt")).strip();
        leavePending(config, api, key);
        git(repo, "add", "-f", "infra/secure-api.json.pending");
        Run list = Run.cli(config, "keys", "list");
        assertThat(list.exitCode).as(list.toString()).isZero();
        assertThat(list.err).contains("git tracks").contains("exposed").contains("rotate-key");
        assertThat(list.err).doesNotContain(key);
    }
}
