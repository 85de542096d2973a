package dev.emergence.engine.lora;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The loras folder of the model library, where a prompt's {@code <lora:NAME:0.8>} and
 * {@code generate --lora NAME} are looked up: {@code NAME.safetensors} in it or in a subfolder of it
 * ({@code styles/ink}), else the one file of that name anywhere below it, as AUTOMATIC1111 finds a
 * Lora by its file name. A name never reaches outside the folder: absolute paths, {@code ..} and
 * links leading out are refused.
 */
public final class LoraLibrary {
    /** The folder's name inside the model library. */
    public static final String FOLDER = dev.emergence.engine.library.ModelLibrary.LORAS;
    public static final String EXTENSION = ".safetensors";
    private static final int MAX_DEPTH = 8;

    private final Path folder;

    public LoraLibrary(Path folder) {
        this.folder = folder.toAbsolutePath().normalize();
    }

    public Path folder() {
        return folder;
    }

    /**
     * The file {@code name} names, or empty when the folder has none of that name.
     *
     * @throws LoraException a name that would reach outside the folder, or that several files answer to
     */
    public Optional<Path> find(String name) throws LoraException {
        String n = name.strip();
        if (n.isEmpty() || n.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new LoraException("LoRA name '" + name + "' is empty or holds control characters; expected a file name in " + folder);
        }
        String relative = n.toLowerCase(Locale.ROOT).endsWith(EXTENSION) ? n : n + EXTENSION;
        Path asked;
        try {
            asked = Path.of(relative);
        } catch (java.nio.file.InvalidPathException e) {
            throw new LoraException("LoRA name '" + name + "' is no file name; expected a name in " + folder);
        }
        boolean climbs = false;
        for (Path part : asked) climbs |= part.toString().equals("..");
        if (asked.isAbsolute() || asked.getRoot() != null || climbs || n.contains("\\") || n.matches("^[A-Za-z]:.*")) {
            throw new LoraException("LoRA name '" + name + "' leads outside the loras folder; expected a name inside " + folder);
        }
        if (!Files.isDirectory(folder)) return Optional.empty();
        Path direct = folder.resolve(asked);
        if (Files.exists(direct)) return Optional.of(inside(direct, name));
        if (asked.getNameCount() > 1) return Optional.empty();
        List<Path> found = new ArrayList<>();
        String wanted = asked.getFileName().toString();
        try (Stream<Path> files = Files.walk(folder, MAX_DEPTH)) {
            files.filter(p -> p.getFileName().toString().equals(wanted)).sorted().forEach(found::add);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new LoraException("the loras folder " + folder + " cannot be read (" + e.getMessage() + ")", e);
        }
        if (found.size() > 1) {
            throw new LoraException("LoRA name '" + name + "' names " + found.size() + " files (" + folder.relativize(found.get(0)) + ", "
                    + folder.relativize(found.get(1)) + "); expected one: name it with its subfolder");
        }
        return found.isEmpty() ? Optional.empty() : Optional.of(inside(found.get(0), name));
    }

    /** {@code file}, once its real path (links followed) is a regular file inside the folder's real path. */
    private Path inside(Path file, String name) throws LoraException {
        try {
            Path real = file.toRealPath(), root = folder.toRealPath();
            if (!real.startsWith(root)) {
                throw new LoraException("LoRA '" + name + "' leads outside the loras folder (to " + real + "); expected a file inside " + folder);
            }
            if (!Files.isRegularFile(real)) throw new LoraException("LoRA '" + name + "': " + file + " is not a regular file; expected a .safetensors file");
            return file;
        } catch (NoSuchFileException e) {
            throw new LoraException("LoRA '" + name + "': " + file + " is a link to nothing; expected a .safetensors file", e);
        } catch (IOException e) {
            throw new LoraException("LoRA '" + name + "': " + file + " cannot be resolved (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The hash AUTOMATIC1111 writes for a Lora in {@code Lora hashes}: the first 12 hex digits of the
     * sha256 of the file's bytes after its header (the kohya-ss / additional-networks hash its
     * modules/hashes.py computes for .safetensors files).
     */
    public static String shortHash(Path file) throws LoraException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining()) if (channel.read(head) < 0) break;
            long n = head.getLong(0);
            if (head.hasRemaining() || n < 0 || n > channel.size() - 8) throw new LoraException(file.getFileName() + ": not a safetensors file");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            channel.position(8 + n);
            try (InputStream in = Channels.newInputStream(channel)) {
                byte[] buffer = new byte[1 << 16];
                for (int r; (r = in.read(buffer)) > 0; ) sha.update(buffer, 0, r);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (IOException e) {
            throw new LoraException(file.getFileName() + ": cannot be read (" + e.getMessage() + ")", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
