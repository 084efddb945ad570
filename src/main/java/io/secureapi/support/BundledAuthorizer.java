package io.secureapi.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.Base64;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** The bundled authorizer (src/main/authorizer/index.mjs, shipped in the jar), zipped at deploy time. */
public final class BundledAuthorizer {
    private static byte[] zip;

    private BundledAuthorizer() {}

    /** A byte-for-byte reproducible zip, so its CodeSha256 tells whether the deployed code is current. */
    public static synchronized byte[] zip() {
        if (zip != null) return zip;
        try (InputStream in = BundledAuthorizer.class.getResourceAsStream("/authorizer/index.mjs")) {
            if (in == null) throw new IllegalStateException("the bundled authorizer is missing from the jar");
            byte[] source = in.readAllBytes();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream out = new ZipOutputStream(bytes)) {
                ZipEntry e = new ZipEntry("index.mjs");
                e.setTimeLocal(LocalDateTime.of(2020, 1, 1, 0, 0));
                // STORED, not deflated: deflate output differs between zlib builds, and then CodeSha256
                // would make every other machine redeploy (and verify fail). A few KB either way.
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(source);
                e.setMethod(ZipEntry.STORED);
                e.setSize(source.length);
                e.setCompressedSize(source.length);
                e.setCrc(crc.getValue());
                out.putNextEntry(e);
                out.write(source);
                out.closeEntry();
            }
            zip = bytes.toByteArray();
            return zip;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lambda's CodeSha256: base64 of the SHA-256 of the deployment package. */
    public static String codeSha256() {
        try {
            return Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(zip()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
