package io.secureapi.cli;

import io.secureapi.error.ExitException;
import io.secureapi.keys.ApiKey;
import io.secureapi.support.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where a key comes from and where a new one goes. Shared by setup and rotate-key. */
public class KeyOptions {
    @Option(
            names = "--key-file",
            paramLabel = "FILE",
            description = "Use the key in FILE (its first line) instead of generating one; - reads standard input.")
    Path keyFile;

    @Option(
            names = "--key-stdin",
            description =
                    "Read the key from standard input instead of generating one (on a terminal: a prompt, typing not shown).")
    boolean keyStdin;

    @Option(
            names = "--key-out",
            paramLabel = "FILE",
            description =
                    "Write the new key to FILE (mode 0600) instead of printing it. Refuses to overwrite without --force.")
    Path keyOut;

    @Option(names = "--force", description = "Let --key-out overwrite an existing file.")
    boolean force;

    /** The supplied key, if any; read and checked before anything is written. */
    Optional<ApiKey> suppliedKey(Session session) {
        if (keyFile != null && keyStdin) {
            throw ExitException.badInput(
                    "--key-file and --key-stdin both given", "give the key one way, or neither to generate one");
        }
        if (keyFile != null && keyFile.toString().equals("-")) {
            return Optional.of(fromStdin(session, "--key-file -"));
        }
        if (keyFile != null) return Optional.of(ApiKey.of(readKeyFile(keyFile), "--key-file " + keyFile));
        if (keyStdin) return Optional.of(fromStdin(session, "standard input"));
        return Optional.empty();
    }

    /**
     * The key from standard input: piped, its first line; on a terminal, a prompt on stderr and a
     * line read without echo (Console.readPassword), so the key never shows on screen.
     */
    static ApiKey fromStdin(Session session, String source) {
        if (session.stdinIsTerminal()) {
            session.err().print("Paste the key (it is not shown), then press Enter: ");
            session.err().flush();
            java.io.Console console = System.console();
            if (console != null) {
                char[] typed = console.readPassword();
                session.err().println();
                if (typed == null)
                    throw ExitException.badInput("no key was typed", "paste the key, or pipe it in: < key.txt");
                return ApiKey.of(new String(typed), "the terminal");
            }
            return ApiKey.of(session.readLine(), "the terminal");
        }
        try {
            String text = new String(session.in().readAllBytes(), StandardCharsets.UTF_8);
            return ApiKey.of(firstLine(text), source);
        } catch (IOException e) {
            throw ExitException.badInput("cannot read the key from standard input", "pipe the key in, e.g. < key.txt");
        }
    }

    static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file or folder";
        String m = e.getMessage();
        return m != null && m.contains("No space left")
                ? "no space left on the device"
                : e.getClass().getSimpleName();
    }

    /** The one rule for a key file (setup's, rotate-key's, verify's): its first line, stripped; "" when empty. */
    static String readKeyFile(Path file) {
        try {
            return firstLine(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw ExitException.badInput(
                    "cannot read key file " + file + " (" + e.getClass().getSimpleName() + ")",
                    "check the path and its permissions");
        }
    }

    private static String firstLine(String text) {
        String t = text.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }

    /** Checks --key-out before any AWS write, so a key is never made that cannot be delivered. */
    void checkKeyOut() {
        if (keyOut == null) return;
        Path parent = keyOut.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw ExitException.badInput(
                    "--key-out " + keyOut + ": folder " + parent + " does not exist", "create it first");
        }
        if (Files.isDirectory(keyOut)) {
            throw ExitException.badInput("--key-out " + keyOut + " is a folder", "name a file");
        }
        try {
            // writable: a file can be created there (checked for real; permissions alone do not tell, e.g. for root)
            Files.delete(Files.createTempFile(parent == null ? Path.of(".") : parent, ".secure-api-key-check", ".tmp"));
        } catch (IOException | SecurityException e) {
            throw ExitException.badInput(
                    "--key-out " + keyOut + ": folder " + parent + " is not writable",
                    "choose a file in a writable folder");
        }
        // NOFOLLOW_LINKS: a dangling link is a file that exists; it must not pass here and fail after the writes
        if (Files.exists(keyOut, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !force && !recovered) {
            throw ExitException.badInput(
                    "--key-out " + keyOut + " exists; secure-api does not overwrite key files",
                    "pass --force to replace it, or choose another file");
        }
    }

    /** Set when this run already handed an earlier run's key over to --key-out: the file is ours now. */
    boolean recovered;

    /** Whether --key-out already holds this key (a run killed after writing it, before forgetting its record). */
    boolean holds(String value) {
        try {
            return Files.isRegularFile(keyOut)
                    && Files.readAllLines(keyOut, StandardCharsets.UTF_8).stream()
                            .anyMatch(l -> l.strip().equals(value));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /**
     * Writes key lines to --key-out with mode 0600 from the first byte (temp file, then atomic
     * move); exit 1 naming the file and the reason when it cannot. The caller hands the key over
     * another way then: it is already stored in AWS.
     */
    void write(List<String> lines) {
        try {
            AtomicFile.write(
                    keyOut,
                    (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8),
                    null,
                    force || recovered);
        } catch (FileAlreadyExistsException e) {
            throw ExitException.badInput(
                    "--key-out " + keyOut + " appeared while secure-api ran", "pass --force or another file");
        } catch (IOException e) {
            throw new ExitException(
                    ExitException.FAILED,
                    "cannot write the key to --key-out " + keyOut + " (" + reason(e) + ")",
                    "save the key shown instead",
                    e);
        }
    }
}
