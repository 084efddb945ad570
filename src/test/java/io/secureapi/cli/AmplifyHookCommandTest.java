package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** amplify-hook install|remove on real folders: the user's own hook lines are never lost. */
class AmplifyHookCommandTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Session s = new Session(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                java.io.InputStream.nullInputStream(),
                env,
                List.of(),
                false,
                false);
        int code = SecureApiCli.create(s).execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    Path hook() {
        return dir.resolve("amplify/hooks/post-push.sh");
    }

    @Test
    void install_keepsTheUsersHook_isIdempotent_andRemoveRestoresItExactly() throws Exception {
        Files.createDirectories(hook().getParent());
        String mine = "#!/bin/bash\nparameters=$(cat)\necho \"my own post-push: $parameters\" > /tmp/mine.txt\n";
        Files.writeString(hook(), mine);

        Result first = run(Map.of(), "amplify-hook", "install", "--dir", dir.toString());
        assertThat(first.code()).as(first.toString()).isZero();
        String installed = Files.readString(hook());
        assertThat(installed)
                .startsWith("#!/bin/bash\n# >>> secure-api amplify-hook >>>\n")
                .contains("# <<< secure-api amplify-hook <<<")
                .contains("amplify-hook run --config \"$config\"")
                .contains("config=\"$project/secure-api.json\"")
                .endsWith("parameters=$(cat)\necho \"my own post-push: $parameters\" > /tmp/mine.txt\n");
        assertThat(installed)
                .as("never an absolute path of this machine")
                .doesNotContain(dir.toString())
                .doesNotContain(System.getProperty("user.home"));

        Result again = run(Map.of(), "amplify-hook", "install", "--dir", dir.toString());
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("already installed");
        assertThat(Files.readString(hook())).isEqualTo(installed);

        Result removed = run(Map.of(), "amplify-hook", "remove", "--dir", dir.toString());
        assertThat(removed.code()).as(removed.toString()).isZero();
        assertThat(Files.readString(hook())).isEqualTo(mine);
        Result nothing = run(Map.of(), "amplify-hook", "remove", "--dir", dir.toString());
        assertThat(nothing.code()).isZero();
        assertThat(nothing.out()).contains("nothing to remove");
    }

    @Test
    void install_withoutAHook_createsAnExecutableOne_andRemoveDeletesIt() throws Exception {
        Files.createDirectories(dir.resolve("amplify"));
        Result r = run(Map.of(), "amplify-hook", "install", "--dir", dir.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(Files.readString(hook())).startsWith("#!/usr/bin/env bash\n# >>> secure-api amplify-hook >>>");
        assertThat(Files.getPosixFilePermissions(hook())).contains(PosixFilePermission.OWNER_EXECUTE);
        Result removed = run(Map.of(), "amplify-hook", "remove", "--dir", dir.toString());
        assertThat(removed.code()).isZero();
        assertThat(hook()).doesNotExist();
    }

    @Test
    void install_launcherInsideTheProject_isFoundByARelativePath() throws Exception {
        Files.createDirectories(dir.resolve("amplify"));
        Path launcher = dir.resolve("tools/secure-api/bin/secure-api");
        Result r = run(
                Map.of("SECURE_API_LAUNCHER", launcher.toString()), "amplify-hook", "install", "--dir", dir.toString());
        assertThat(r.code()).isZero();
        assertThat(Files.readString(hook()))
                .contains("\"$project/tools/secure-api/bin/secure-api\"")
                .doesNotContain(dir.toString());
    }

    @Test
    void notAnAmplifyProject_isExit2_andWritesNothing() throws Exception {
        Result r = run(Map.of(), "amplify-hook", "install", "--dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("error: ").contains("no amplify/ folder").contains("next: ");
        assertThat(r.err().lines().count()).isEqualTo(2);
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aDamagedBlock_isExit2_andLeftAlone() throws Exception {
        Files.createDirectories(hook().getParent());
        String text = "#!/bin/bash\n# >>> secure-api amplify-hook >>>\necho half\n";
        Files.writeString(hook(), text);
        Result r = run(Map.of(), "amplify-hook", "remove", "--dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(Files.readString(hook())).isEqualTo(text);
    }
}
