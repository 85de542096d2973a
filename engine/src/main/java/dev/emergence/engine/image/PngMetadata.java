package dev.emergence.engine.image;

import dev.emergence.engine.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import javax.imageio.ImageIO;

/**
 * PNG files with text metadata (PNG specification, sections 11.3.4: tEXt, zTXt, iTXt).
 *
 * <p>Writing follows PIL's {@code PngInfo.add_text}, which AUTOMATIC1111 uses for its
 * {@code parameters} text: a tEXt chunk when the text is Latin-1, else an uncompressed iTXt chunk
 * (UTF-8, empty language tag and translated keyword). The picture is encoded by javax.imageio;
 * the text chunks are inserted before its first IDAT chunk. Reading walks the chunks itself, so
 * it finds text anywhere between IHDR and IEND, compressed or not.
 */
public final class PngMetadata {
    private static final byte[] SIGNATURE = {(byte) 137, 'P', 'N', 'G', '\r', '\n', 26, '\n'};
    /**
     * The most text one chunk may hold, compressed or once inflated: 1 MiB, far above any real
     * generation parameters (a few KiB) or a workflow that other tools store. Inflating stops as soon
     * as it is passed, so a decompression bomb costs no more than this.
     */
    public static final int MAX_TEXT_BYTES = 1 << 20;
    /** The most text chunks a file may have. */
    public static final int MAX_TEXT_CHUNKS = 64;
    /** The most text all chunks of a file may hold together, inflated. */
    public static final int MAX_TOTAL_TEXT_BYTES = 8 << 20;

    private PngMetadata() {
    }

    /**
     * Writes {@code image} as a PNG with {@code textChunks} (key → text, in order), atomically
     * (see {@link AtomicFiles}): the file appears complete or not at all.
     *
     * @throws IllegalArgumentException for a key that is not a PNG keyword (1–79 Latin-1 characters,
     *                                  printable, no leading, trailing or double spaces) or text containing NUL
     */
    public static void write(Path target, BufferedImage image, Map<String, String> textChunks) throws IOException {
        byte[] png = encode(image, textChunks);
        AtomicFiles.writeBytes(target, png);
    }

    /** The PNG bytes {@link #write} puts into the file. */
    public static byte[] encode(BufferedImage image, Map<String, String> textChunks) throws IOException {
        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : textChunks.entrySet()) {
            writeChunk(chunks, textChunk(e.getKey(), e.getValue()));
        }
        byte[] plain = encodePicture(image);
        int idat = firstIdat(plain);
        ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length + chunks.size());
        out.write(plain, 0, idat);
        chunks.writeTo(out);
        out.write(plain, idat, plain.length - idat);
        return out.toByteArray();
    }

    /**
     * All text of a PNG's tEXt, zTXt and iTXt chunks, key → text, in file order; for a key that
     * appears twice the later text wins (as PIL's {@code Image.text}).
     *
     * <p>Only a regular file is read (a FIFO would block forever); a file with more than
     * {@value #MAX_TEXT_CHUNKS} text chunks, a chunk beyond {@link #MAX_TEXT_BYTES} bytes (compressed or
     * inflated) or more than {@link #MAX_TOTAL_TEXT_BYTES} of text in all is refused.
     *
     * @throws ImageException when the file is missing, not a regular file, not a PNG, damaged
     *                        (truncated, bad checksum) or holds more text than the bounds above
     */
    public static Map<String, String> read(Path png) throws ImageException {
        if (Files.exists(png) && !Files.isDirectory(png) && !Files.isRegularFile(png)) {
            throw new ImageException(png + ": is not a regular file (a FIFO, device or socket); expected a PNG image file");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(png), 1 << 16)) {
            return readText(in, png.toString());
        } catch (NoSuchFileException e) {
            throw new ImageException(png + ": no such file (expected a PNG image)", e);
        } catch (AccessDeniedException e) {
            throw new ImageException(png + ": cannot be read (permission denied)", e);
        } catch (IOException e) {
            if (Files.isDirectory(png)) throw new ImageException(png + ": is a folder, not a PNG image", e);
            throw new ImageException(png + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    static Map<String, String> readText(InputStream stream, String name) throws IOException, ImageException {
        DataInputStream in = new DataInputStream(stream);
        byte[] signature = in.readNBytes(SIGNATURE.length);
        if (!Arrays.equals(signature, SIGNATURE)) throw new ImageException(name + ": not a PNG image");
        Map<String, String> text = new LinkedHashMap<>();
        int textChunks = 0;
        long textBytes = 0;
        while (true) {
            int length;
            byte[] type = new byte[4];
            try {
                length = in.readInt();
                in.readFully(type);
            } catch (EOFException e) {
                throw new ImageException(name + ": damaged or incomplete PNG (it ends before its IEND chunk)");
            }
            String kind = new String(type, StandardCharsets.ISO_8859_1);
            if (length < 0) throw new ImageException(name + ": damaged PNG (chunk " + kind + " has an impossible length)");
            boolean isText = kind.equals("tEXt") || kind.equals("zTXt") || kind.equals("iTXt");
            if (isText) {
                if (++textChunks > MAX_TEXT_CHUNKS) {
                    throw new ImageException(name + ": has more than " + MAX_TEXT_CHUNKS + " text chunks; expected at most " + MAX_TEXT_CHUNKS);
                }
                if (length > MAX_TEXT_BYTES) {
                    throw new ImageException(name + ": a " + kind + " chunk of " + length + " bytes is too large; expected at most "
                            + MAX_TEXT_BYTES + " bytes of text per chunk");
                }
                byte[] data = in.readNBytes(length);
                if (data.length < length) throw new ImageException(name + ": damaged or incomplete PNG (it ends inside a " + kind + " chunk)");
                int crc;
                try {
                    crc = in.readInt();
                } catch (EOFException e) {
                    throw new ImageException(name + ": damaged or incomplete PNG (it ends inside a " + kind + " chunk)");
                }
                CRC32 check = new CRC32();
                check.update(type);
                check.update(data);
                if ((int) check.getValue() != crc) throw new ImageException(name + ": damaged PNG (bad checksum in a " + kind + " chunk)");
                textBytes += decode(kind, data, text, name);
                if (textBytes > MAX_TOTAL_TEXT_BYTES) {
                    throw new ImageException(name + ": holds more than " + MAX_TOTAL_TEXT_BYTES + " bytes of text; expected at most "
                            + MAX_TOTAL_TEXT_BYTES + " in all");
                }
            } else {
                try {
                    in.skipNBytes(length + 4L);
                } catch (EOFException e) {
                    throw new ImageException(name + ": damaged or incomplete PNG (it ends inside a " + kind + " chunk)");
                }
            }
            if (kind.equals("IEND")) return text;
        }
    }

    /** Puts the chunk's text into {@code text}; returns how many bytes of text it held (inflated). */
    private static int decode(String kind, byte[] data, Map<String, String> text, String name) throws ImageException {
        int nul = indexOf(data, 0, 0);
        if (nul < 0) {
            // No separator: PIL takes the whole chunk as the keyword with empty text.
            if (kind.equals("tEXt")) text.put(new String(data, StandardCharsets.ISO_8859_1), "");
            return data.length;
        }
        String key = new String(data, 0, nul, StandardCharsets.ISO_8859_1);
        switch (kind) {
            case "tEXt" -> {
                text.put(key, new String(data, nul + 1, data.length - nul - 1, StandardCharsets.ISO_8859_1));
                return data.length;
            }
            case "zTXt" -> {
                if (nul + 1 >= data.length || data[nul + 1] != 0) return 0; // unknown compression method: unreadable, skipped
                byte[] raw = inflate(Arrays.copyOfRange(data, nul + 2, data.length), name, kind);
                text.put(key, new String(raw, StandardCharsets.ISO_8859_1));
                return raw.length;
            }
            default -> { // iTXt: keyword, 0, compression flag, method, language tag, 0, translated keyword, 0, text
                if (nul + 2 >= data.length) return 0;
                int flag = data[nul + 1], method = data[nul + 2];
                int langEnd = indexOf(data, 0, nul + 3);
                int keyEnd = langEnd < 0 ? -1 : indexOf(data, 0, langEnd + 1);
                if (keyEnd < 0) return 0;
                byte[] body = Arrays.copyOfRange(data, keyEnd + 1, data.length);
                if (flag == 1) {
                    if (method != 0) return 0;
                    body = inflate(body, name, kind);
                }
                text.put(key, utf8(body));
                return body.length;
            }
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder does not throw", e);
        }
    }

    private static byte[] inflate(byte[] compressed, String name, String kind) throws ImageException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(compressed);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(compressed.length * 4, MAX_TEXT_BYTES));
            byte[] buf = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new ImageException(name + ": damaged PNG (truncated compressed " + kind + " chunk)");
                }
                // Checked at every piece, so a bomb is stopped after at most MAX_TEXT_BYTES, not when it is done.
                if (out.size() + n > MAX_TEXT_BYTES) {
                    throw new ImageException(name + ": a " + kind + " chunk expands to more than " + MAX_TEXT_BYTES
                            + " bytes of text; expected at most " + MAX_TEXT_BYTES + " per chunk");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new ImageException(name + ": damaged PNG (bad compressed data in a " + kind + " chunk)", e);
        } finally {
            inflater.end();
        }
    }

    private static int indexOf(byte[] data, int value, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == value) return i;
        }
        return -1;
    }

    /** The chunk type and data of a tEXt (Latin-1 text) or iTXt (other text) chunk. */
    static byte[] textChunk(String key, String value) {
        checkKeyword(key);
        if (value == null) throw new IllegalArgumentException("PNG text '" + key + "' has no value");
        if (value.indexOf('\0') >= 0) throw new IllegalArgumentException("PNG text '" + key + "' contains a NUL character");
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length() + key.length() + 16);
        boolean latin1 = value.chars().allMatch(c -> c <= 0xFF);
        out.writeBytes((latin1 ? "tEXt" : "iTXt").getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(key.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
        if (latin1) {
            out.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
        } else {
            out.writeBytes(new byte[] {0, 0, 0, 0}); // not compressed, method 0, empty language tag, empty translated keyword
            try {
                ByteBuffer utf8 = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).encode(java.nio.CharBuffer.wrap(value));
                out.write(utf8.array(), utf8.arrayOffset() + utf8.position(), utf8.remaining());
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("PNG text '" + key + "' is not valid Unicode (a lone surrogate)", e);
            }
        }
        return out.toByteArray();
    }

    private static void checkKeyword(String key) {
        boolean ok = key != null && !key.isEmpty() && key.length() <= 79
                && !key.startsWith(" ") && !key.endsWith(" ") && !key.contains("  ");
        if (ok) {
            for (int i = 0; i < key.length(); i++) {
                char c = key.charAt(i);
                if (!(c >= 32 && c <= 126) && !(c >= 161 && c <= 255)) ok = false;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException("'" + key + "' is not a PNG text keyword: expected 1 to 79 printable Latin-1 "
                    + "characters without leading, trailing or double spaces");
        }
    }

    /** Type and data in, length + type + data + CRC out. */
    private static void writeChunk(ByteArrayOutputStream out, byte[] typeAndData) {
        int length = typeAndData.length - 4;
        out.write(length >>> 24);
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.writeBytes(typeAndData);
        CRC32 crc = new CRC32();
        crc.update(typeAndData);
        int v = (int) crc.getValue();
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static byte[] encodePicture(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", out)) {
            // Image types the PNG writer does not take (e.g. premultiplied alpha): write plain 8-bit (A)RGB.
            out.reset();
            if (!ImageIO.write(Pixels.fromArgb(Pixels.argb(image), image.getWidth(), image.getHeight(),
                    image.getColorModel().hasAlpha()), "png", out)) {
                throw new IOException("no PNG writer available for this picture");
            }
        }
        return out.toByteArray();
    }

    /** Offset of the first IDAT chunk's length field in PNG bytes. */
    private static int firstIdat(byte[] png) throws IOException {
        int pos = SIGNATURE.length;
        while (pos + 8 <= png.length) {
            int length = ((png[pos] & 0xFF) << 24) | ((png[pos + 1] & 0xFF) << 16) | ((png[pos + 2] & 0xFF) << 8) | (png[pos + 3] & 0xFF);
            String type = new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (type.equals("IDAT")) return pos;
            pos += 12 + length;
        }
        throw new IOException("the PNG encoder wrote no image data");
    }
}
