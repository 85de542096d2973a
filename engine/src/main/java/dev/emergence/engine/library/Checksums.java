package dev.emergence.engine.library;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The digests the hub publishes for each file: sha-256 of the content for LFS files (their LFS oid),
 * and git's blob id for the others: sha-1 over {@code "blob " + size + "\0"} followed by the content.
 */
final class Checksums {
    private Checksums() {
    }

    /** A digest ready to take the file's content from its first byte. */
    static MessageDigest start(HubFile file) {
        if (file.isLfs()) return digest("SHA-256");
        MessageDigest sha1 = digest("SHA-1");
        sha1.update(("blob " + file.size() + "\0").getBytes(StandardCharsets.US_ASCII));
        return sha1;
    }

    /** The hex digest of {@code finished}, a digest from {@link #start} fed the whole content. */
    static String hex(MessageDigest finished) {
        return HexFormat.of().formatHex(finished.digest());
    }

    /** The hub's hex digest for the file: its LFS sha-256, else its git blob id. */
    static String expected(HubFile file) {
        return file.isLfs() ? file.sha256() : file.gitOid();
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has " + algorithm, e);
        }
    }
}
