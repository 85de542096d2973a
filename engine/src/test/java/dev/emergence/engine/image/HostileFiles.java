package dev.emergence.engine.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Builds the bad files the hostile-input tests feed the engine: hand-assembled PNGs, FIFOs. */
public final class HostileFiles {
    private HostileFiles() {
    }

    /** A PNG chunk: length, type, data, CRC. */
    public static byte[] chunk(String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        writeInt(out, data.length);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        writeInt(out, (int) crc.getValue());
        return out.toByteArray();
    }

    /** A PNG whose header claims {@code width}×{@code height} RGB pixels, with one tiny IDAT chunk: a "bomb" of a few bytes. */
    public static byte[] pngClaiming(int width, int height) {
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        writeInt(ihdr, width);
        writeInt(ihdr, height);
        ihdr.writeBytes(new byte[] {8, 2, 0, 0, 0});
        return png(chunk("IHDR", ihdr.toByteArray()), chunk("IDAT", deflate(new byte[64])));
    }

    /** A PNG of the signature, the given chunks and IEND. */
    public static byte[] png(byte[]... chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 137, 'P', 'N', 'G', '\r', '\n', 26, '\n'});
        for (byte[] c : chunks) out.writeBytes(c);
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    /** A zTXt chunk: keyword, NUL, method 0, deflated text. */
    public static byte[] ztxt(String key, byte[] text) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(key.getBytes(StandardCharsets.ISO_8859_1));
        data.write(0);
        data.write(0);
        data.writeBytes(deflate(text));
        return chunk("zTXt", data.toByteArray());
    }

    /** A tEXt chunk. */
    public static byte[] text(String key, String value) {
        return chunk("tEXt", (key + "\0" + value).getBytes(StandardCharsets.ISO_8859_1));
    }

    public static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!d.finished()) out.write(buf, 0, d.deflate(buf));
        d.end();
        return out.toByteArray();
    }

    /** A picture of random pixels: it compresses badly, so its data spans most of the file. */
    public static BufferedImage noise(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(1);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) img.setRGB(x, y, random.nextInt());
        }
        return img;
    }

    /** Makes a FIFO at {@code path} with mkfifo; false where that is not possible (not POSIX). */
    public static boolean mkfifo(Path path) {
        try {
            Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }
}
