package io.secureapi.config;

import io.secureapi.error.ExitException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * secure-api's block in an Amplify Gen 1 project's amplify/hooks/post-push.sh: added, updated in
 * place, or taken out, never touching the user's own lines. Amplify CLI command hooks:
 * https://docs.amplify.aws/gen1/react/tools/cli/project/command-hooks/ (post-push.sh, JSON on stdin).
 */
public final class AmplifyHook {
    public static final String BEGIN = "# >>> secure-api amplify-hook >>>";
    public static final String END = "# <<< secure-api amplify-hook <<<";
    /** Where the hook looks inside the project when $SECURE_API and PATH have none. */
    public static final String DEFAULT_RELATIVE = ".secure-api/bin/secure-api";

    static final String SHEBANG = "#!/usr/bin/env bash";

    private final Path project;
    private final Path file;

    public AmplifyHook(Path project) {
        this.project = project;
        this.file = project.resolve("amplify").resolve("hooks").resolve("post-push.sh");
    }

    public record Outcome(Path file, boolean changed, String result, String message, boolean launcherInProject) {}

    /** The launcher's path relative to the project, when it lives inside it (never an absolute path). */
    public static String relativeLauncher(Path project, String launcher) {
        if (launcher == null || launcher.isBlank()) return null;
        Path l = Path.of(launcher).toAbsolutePath().normalize();
        if (!l.startsWith(project)) return null;
        return project.relativize(l).toString().replace('\\', '/');
    }

    /** What the hook may record for a path: nothing the shell would interpret, even inside double quotes. */
    static final String SAFE_PATH = "[A-Za-z0-9._/@+-]+";

    /**
     * The config the hook reads, as recorded in the block: relative to the project when it lives
     * inside it (the usual secure-api.json), else absolute. Exit 2 for a path the block cannot hold.
     */
    public static String recordedConfig(Path project, Path config) {
        Path c = project.resolve(config).toAbsolutePath().normalize();
        String shown = c.startsWith(project) ? project.relativize(c).toString().replace('\\', '/') : c.toString();
        if (shown.isEmpty() || !shown.matches(SAFE_PATH)) {
            throw ExitException.badInput(
                    "the hook cannot record config " + c + ": its path has characters a shell would interpret",
                    "move or rename it to a path of letters, digits and ._/@+- (then run amplify-hook install --config FILE)");
        }
        return shown;
    }

    /** The block, with the in-project launcher path and the config the hook reads filled in. */
    static String block(String relative, String config) {
        String template;
        try (InputStream in = AmplifyHook.class.getResourceAsStream("/hook/post-push-block.sh")) {
            if (in == null) throw new IllegalStateException("the hook block is missing from the jar");
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the hook block from the jar", e);
        }
        // the template's first line is a directive for shellcheck only
        String body = template.substring(template.indexOf(BEGIN));
        String rel = relative == null ? DEFAULT_RELATIVE : relative;
        if (!rel.matches(SAFE_PATH)) rel = DEFAULT_RELATIVE; // nothing the shell would interpret
        List<String> candidates = new ArrayList<>(List.of(rel));
        if (!candidates.contains(DEFAULT_RELATIVE)) candidates.add(DEFAULT_RELATIVE);
        body = body.replace(
                "@SECURE_API_CANDIDATES@",
                String.join(
                        " ",
                        candidates.stream().map(c -> "\"$project/" + c + "\"").toList()));
        body = body.replace(
                "@SECURE_API_SEARCHED@",
                String.join(", ", candidates.stream().map(c -> "$project/" + c).toList()));
        String cfg = config == null ? ProjectConfig.DEFAULT_FILE : config;
        if (!cfg.matches(SAFE_PATH)) throw new IllegalArgumentException("unsafe config path");
        body = body.replace("@SECURE_API_CONFIG@", cfg.startsWith("/") ? "'" + cfg + "'" : "\"$project/" + cfg + "\"");
        return body.endsWith("\n") ? body : body + "\n";
    }

    /** {@code config}: as {@link #recordedConfig} gives it (null: secure-api.json in the project). */
    public Outcome install(String relativeLauncher, String config) {
        String block = block(relativeLauncher, config);
        boolean inProject = relativeLauncher != null;
        String shown = project.relativize(file).toString();
        if (!Files.exists(file)) {
            write(SHEBANG + "\n" + block, true);
            return new Outcome(file, true, "created", "Created " + shown + " with the secure-api block.", inProject);
        }
        String text = read();
        List<String> lines = new ArrayList<>(text.lines().toList());
        int[] at = find(lines);
        String updated;
        if (at == null) {
            // first in the file (after the #! line): it reads Amplify's stdin and hands it on to the user's lines
            int insert = !lines.isEmpty() && lines.get(0).startsWith("#!") ? 1 : 0;
            List<String> out = new ArrayList<>(lines.subList(0, insert));
            out.addAll(block.lines().toList());
            out.add("");
            out.addAll(lines.subList(insert, lines.size()));
            updated = String.join("\n", out) + "\n";
            write(updated, false);
            return new Outcome(
                    file,
                    true,
                    "added",
                    "Added the secure-api block to " + shown + " (your own lines are kept, after it).",
                    inProject);
        }
        List<String> out = new ArrayList<>(lines.subList(0, at[0]));
        out.addAll(block.lines().toList());
        out.addAll(lines.subList(at[1] + 1, lines.size()));
        updated = String.join("\n", out) + (text.endsWith("\n") ? "\n" : "");
        if (updated.equals(text)) {
            return new Outcome(
                    file,
                    false,
                    "unchanged",
                    "The secure-api block in " + shown + " is already installed and current.",
                    inProject);
        }
        write(updated, false);
        return new Outcome(
                file,
                true,
                "updated",
                "Updated the secure-api block in " + shown + " (your own lines are kept).",
                inProject);
    }

    public Outcome remove() {
        String shown = project.relativize(file).toString();
        if (!Files.exists(file))
            return new Outcome(file, false, "absent", "No " + shown + ": nothing to remove.", false);
        String text = read();
        List<String> lines = new ArrayList<>(text.lines().toList());
        int[] at = find(lines);
        if (at == null)
            return new Outcome(file, false, "absent", shown + " has no secure-api block: nothing to remove.", false);
        List<String> out = new ArrayList<>(lines.subList(0, at[0]));
        int next = at[1] + 1;
        // the blank line install put after the block
        if (next < lines.size() && lines.get(next).isBlank()) next++;
        out.addAll(lines.subList(next, lines.size()));
        String rest = String.join("\n", out) + (out.isEmpty() ? "" : "\n");
        if (rest.strip().equals(SHEBANG) || rest.isBlank()) {
            // only what install itself wrote is left: the file was ours
            try {
                Files.delete(file);
            } catch (IOException e) {
                throw new ExitException(
                        ExitException.FAILED,
                        "cannot delete " + file + ": " + e.getMessage(),
                        "check the folder's permissions",
                        e);
            }
            return new Outcome(
                    file, true, "removed", "Removed " + shown + " (it held only the secure-api block).", false);
        }
        write(rest, false);
        return new Outcome(
                file,
                true,
                "removed",
                "Removed the secure-api block from " + shown + " (your own lines are kept).",
                false);
    }

    /** Line indexes of the markers; null when absent. A damaged block (one marker, or out of order) is exit 2, untouched. */
    private int[] find(List<String> lines) {
        int begin = -1;
        int end = -1;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.equals(BEGIN)) {
                if (begin >= 0) throw damaged("it has two begin markers");
                begin = i;
            } else if (l.equals(END)) {
                if (end >= 0) throw damaged("it has two end markers");
                end = i;
            }
        }
        if (begin < 0 && end < 0) return null;
        if (begin < 0 || end < 0 || end < begin)
            throw damaged("one of its markers is missing or they are out of order");
        return new int[] {begin, end};
    }

    private ExitException damaged(String why) {
        return ExitException.badInput(
                "the secure-api block in " + file + " is damaged: " + why,
                "fix the lines between \"" + BEGIN + "\" and \"" + END
                        + "\" by hand (or delete them), then run it again");
    }

    private String read() {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ExitException.badInput("cannot read " + file + ": " + e.getMessage(), "check the file's permissions");
        }
    }

    /** Written whole or not at all (temporary file, then a move), keeping the file's permissions; a new hook is executable. */
    private void write(String content, boolean created) {
        try {
            Files.createDirectories(file.getParent());
            Set<PosixFilePermission> perms =
                    created ? PosixFilePermissions.fromString("rwxr-xr-x") : permissionsOf(file);
            Path tmp = Files.createTempFile(file.getParent(), ".post-push", ".tmp");
            try {
                Files.writeString(tmp, content, StandardCharsets.UTF_8);
                if (perms != null) Files.setPosixFilePermissions(tmp, perms);
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new ExitException(
                    ExitException.FAILED,
                    "cannot write " + file + ": " + e.getMessage(),
                    "check the folder's permissions",
                    e);
        }
    }

    private static Set<PosixFilePermission> permissionsOf(Path p) {
        try {
            return Files.getPosixFilePermissions(p);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
