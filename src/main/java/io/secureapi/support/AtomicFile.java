package io.secureapi.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The one way secure-api writes a file: a temporary file in the same folder, mode 0600 from its
 * first byte, written and forced to disk, then moved over the target atomically and the folder
 * forced too, so a crash, a kill or a full disk leaves the old file or the new one, never half of
 * one, and a key is never readable by others, not even for a moment.
 */
public final class AtomicFile {
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private AtomicFile() {}

    /**
     * Writes {@code bytes} to {@code target}. {@code mode}: the file's final mode (null keeps
     * 0600). {@code replace} false refuses to replace a file that appeared meanwhile
     * ({@link FileAlreadyExistsException}) where the file system has hard links.
     */
    public static void write(Path target, byte[] bytes, Set<PosixFilePermission> mode, boolean replace)
            throws IOException {
        Path file = target.toAbsolutePath();
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, tempPrefix(file), "", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException notPosix) {
            tmp = Files.createTempFile(dir, tempPrefix(file), "");
        }
        try {
            try (FileChannel ch =
                    FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            if (mode != null && !mode.equals(OWNER_ONLY)) {
                try {
                    Files.setPosixFilePermissions(tmp, mode);
                } catch (UnsupportedOperationException notPosix) {
                    // the platform's default mode
                }
            }
            if (replace) move(tmp, file);
            else link(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
        forceFolder(dir);
    }

    /** Temporary files of a write to {@code file}: {@code NAME.tmp-…}; a run killed mid-write may leave one. */
    public static String tempPrefix(Path file) {
        return file.getFileName() + ".tmp-";
    }

    /** The mode a file has now, or {@code otherwise} when it does not exist or the platform has none. */
    public static Set<PosixFilePermission> modeOr(Path file, String otherwise) {
        try {
            if (Files.exists(file)) return Files.getPosixFilePermissions(file);
        } catch (IOException | UnsupportedOperationException e) {
            // fall through to the default
        }
        return PosixFilePermissions.fromString(otherwise);
    }

    private static void move(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A hard link fails if the target appeared meanwhile: no silent overwrite. */
    private static void link(Path tmp, Path file) throws IOException {
        try {
            Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | IOException noLinks) {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** The rename itself is durable only once the folder's entry is on disk (fsync of the folder, as on Linux). */
    private static void forceFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some platforms cannot open a folder: the file itself is already forced
        }
    }
}
