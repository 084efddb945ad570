package io.secureapi.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * Keeps files that hold keys (the .pending write-ahead, --key-out files) out of git: one anchored
 * line each in the .gitignore at the root of the git work tree that holds them, created when
 * absent. Best effort (a failure is a warning for the caller to print), and never through a
 * symbolic link: a linked .gitignore is left alone. Called only by a command about to create such
 * a file.
 */
public final class GitIgnore {
    private GitIgnore() {}

    /** The root of the git work tree holding {@code path} (the nearest folder with .git), if any. */
    public static Optional<Path> workTree(Path path) {
        for (Path d = path.toAbsolutePath().normalize().getParent(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) return Optional.of(d);
        }
        return Optional.empty();
    }

    /**
     * Makes sure {@code file} (and, when given, files starting with {@code tempPrefix} beside it) is
     * ignored: in the .gitignore of its git work tree, else, when {@code outsideGit}, in one next to
     * it. Returns a warning to print when it could not; empty when done or nothing was needed.
     */
    public static Optional<String> ignore(Path file, String tempPrefix, boolean outsideGit, String why) {
        Path abs = file.toAbsolutePath().normalize();
        Optional<Path> tree = workTree(abs);
        if (tree.isEmpty() && !outsideGit) return Optional.empty();
        Path root = tree.orElse(abs.getParent());
        String rel = root.relativize(abs).toString().replace('\\', '/');
        // a name git would read as a pattern is written escaped; anchored at the root ("/name")
        String line = "/" + escape(rel);
        String temps = tempPrefix == null
                ? null
                : "/"
                        + escape(root.relativize(abs.resolveSibling(tempPrefix))
                                .toString()
                                .replace('\\', '/')) + "*";
        Path gitignore = root.resolve(".gitignore");
        try {
            if (Files.isSymbolicLink(gitignore)) {
                return Optional.of(gitignore + " is a symbolic link: not written through; add " + line
                        + " to the file it points to yourself");
            }
            String text = "";
            if (Files.exists(gitignore, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isRegularFile(gitignore, LinkOption.NOFOLLOW_LINKS))
                    return Optional.of(gitignore + " is not a regular file; add " + line + " to a .gitignore yourself");
                text = Files.readString(gitignore, StandardCharsets.UTF_8);
            }
            List<String> have = text.lines().map(String::strip).toList();
            boolean hasLine = have.contains(line) || have.contains(line.substring(1)) && !rel.contains("/");
            boolean hasTemps = temps == null || have.contains(temps) || have.contains(temps.substring(1));
            if (hasLine && hasTemps) return Optional.empty();
            StringBuilder add = new StringBuilder();
            if (!text.isEmpty() && !text.endsWith("\n")) add.append('\n');
            add.append("# ").append(why).append(" (secure-api); never commit\n");
            if (!hasLine) add.append(line).append('\n');
            if (!hasTemps) add.append(temps).append('\n');
            // NOFOLLOW_LINKS: a link put there since the check is refused (ELOOP), not followed
            try (SeekableByteChannel ch = Files.newByteChannel(
                    gitignore,
                    java.util.Set.of(
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.APPEND,
                            LinkOption.NOFOLLOW_LINKS))) {
                ch.write(ByteBuffer.wrap(add.toString().getBytes(StandardCharsets.UTF_8)));
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("could not add " + line + " to " + gitignore + " ("
                    + e.getClass().getSimpleName() + "); add it yourself");
        }
    }

    /** gitignore's special characters taken literally (git-scm.com/docs/gitignore, "PATTERN FORMAT"). */
    static String escape(String rel) {
        StringBuilder b = new StringBuilder();
        for (char c : rel.toCharArray()) {
            if ("*?[]\\!# ".indexOf(c) >= 0) b.append('\\');
            b.append(c);
        }
        return b.toString();
    }

    /**
     * Whether git tracks {@code file} (asks git; false when git is missing or the file is outside a
     * work tree): a tracked file holding keys has been committed, or is about to be.
     */
    public static boolean tracked(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Optional<Path> tree = workTree(abs);
        if (tree.isEmpty()) return false;
        try {
            Process p = new ProcessBuilder(
                            "git", "-C", tree.get().toString(), "ls-files", "--error-unmatch", "--", abs.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
