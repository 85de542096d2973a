package dev.emergence.engine.library;

/**
 * One file of a hub repository at one commit, as the hub's tree API lists it.
 *
 * @param path   the path inside the repository, with '/' separators
 * @param size   the file's size in bytes (for LFS files, the stored file's, not the pointer's)
 * @param gitOid the git blob id (sha-1 of "blob SIZE\0" + content); for LFS files the pointer's
 * @param sha256 for LFS files the sha-256 of the content (the LFS oid), else null
 */
public record HubFile(String path, long size, String gitOid, String sha256) {

    /** Stored through Git LFS (or Xet): large files, checked by sha-256. */
    public boolean isLfs() {
        return sha256 != null;
    }

    /** What the content is checked against: "sha256 HEX" or "git-sha1 HEX". */
    public String expectedDigest() {
        return isLfs() ? "sha256 " + sha256 : "git-sha1 " + gitOid;
    }
}
