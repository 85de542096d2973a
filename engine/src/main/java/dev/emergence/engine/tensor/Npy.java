package dev.emergence.engine.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * numpy's {@code .npy} format for tensors, so latents and intermediate tensors can be compared with
 * diffusers in Python ({@code np.load}) and reference arrays from Python can be loaded here.
 * <p>
 * Writes float32 little-endian, C order, format version 1.0, with exactly the header numpy itself
 * writes (same dictionary text, growth padding and 64-byte alignment), so a file written here is
 * byte-identical to {@code np.save} of the same array. Writes are atomic: a reader sees either the
 * old file or the complete new one, never a partial file.
 * <p>
 * Reads versions 1.0 to 3.0 with float (f4, f8), signed and unsigned integer (1 to 8 bytes) and bool
 * element types in either byte order and either memory order, converting the values to float32.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy aligns the start of the data to this many bytes. */
    private static final int ALIGN = 64;
    /** numpy leaves room in the header for the leading dimension to grow to this many digits. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    private Npy() {}

    /** The complete {@code .npy} file for {@code tensor}: float32, little-endian, C order, version 1.0. */
    public static byte[] encode(Tensor tensor) {
        int[] shape = tensor.shape();
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText(shape) + ", }";
        if (shape.length > 0) dict += " ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length());
        byte[] text = dict.getBytes(StandardCharsets.US_ASCII);
        int prefix = MAGIC.length + 2 + 2; // magic, version bytes, uint16 header length
        int unpadded = text.length + 1; // + the closing newline
        int padding = ALIGN - (prefix + unpadded) % ALIGN; // numpy pads a full block rather than none
        int headerLength = unpadded + padding;
        if (headerLength > 0xffff) throw new IllegalArgumentException("shape too long for a version 1.0 header: " + Arrays.toString(shape));

        float[] data = tensor.data();
        ByteBuffer out = ByteBuffer.allocate(prefix + headerLength + data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerLength).put(text);
        for (int i = 0; i < padding; i++) out.put((byte) ' ');
        out.put((byte) '\n');
        out.asFloatBuffer().put(data);
        return out.array();
    }

    /**
     * Writes {@code tensor} to {@code file} atomically: into a temporary file in the same folder,
     * flushed to disk, then renamed over {@code file}. On failure the temporary file is removed and
     * any previous {@code file} is left as it was.
     */
    public static void write(Path file, Tensor tensor) throws IOException {
        byte[] bytes = encode(tensor);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = createTemp(dir, target.getFileName().toString());
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) channel.write(buffer);
                channel.force(true); // the data must be on disk before the rename makes it visible
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // Same folder, so this is still a rename on any ordinary file system.
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Reads a {@code .npy} file into a float32 tensor of the same shape (C order). */
    public static Tensor read(Path file) throws IOException {
        return decode(Files.readAllBytes(file), file.toString());
    }

    /**
     * Decodes the bytes of a {@code .npy} file into a float32 tensor of the same shape (C order).
     *
     * @param source names the file in error messages
     */
    public static Tensor decode(byte[] bytes, String source) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < MAGIC.length + 4 || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new IOException(source + ": not a .npy file (no \\x93NUMPY signature)");
        }
        in.position(MAGIC.length);
        int major = in.get() & 0xff, minor = in.get() & 0xff;
        long headerLength;
        if (major == 1) {
            headerLength = in.getShort() & 0xffff;
        } else if (major == 2 || major == 3) {
            if (in.remaining() < 4) throw new IOException(source + ": .npy header is cut off");
            headerLength = in.getInt() & 0xffffffffL;
        } else {
            throw new IOException(source + ": .npy format version " + major + "." + minor + " is not supported (expected 1.0 to 3.0)");
        }
        if (headerLength > in.remaining()) throw new IOException(source + ": .npy header is cut off");
        String header = new String(bytes, in.position(), (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        in.position(in.position() + (int) headerLength);

        Header h = Header.parse(header, source);
        ElementType type = ElementType.of(h.descr, source);
        long count = 1;
        for (int d : h.shape) {
            count *= d;
            if (count > Integer.MAX_VALUE) throw new IOException(source + ": array of shape " + Arrays.toString(h.shape) + " is too large for one tensor");
        }
        long expectedBytes = count * type.size;
        if (in.remaining() != expectedBytes) {
            throw new IOException(source + ": shape " + Arrays.toString(h.shape) + " of " + h.descr + " needs " + expectedBytes
                    + " bytes of data, the file has " + in.remaining());
        }
        in.order(type.order);
        float[] values = new float[(int) count];
        for (int i = 0; i < values.length; i++) values[i] = type.read(in);
        if (h.fortranOrder && h.shape.length > 1) values = fortranToC(values, h.shape);
        return new Tensor(values, h.shape);
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        // Created like any new file (not Files.createTempFile's owner-only mode), so the renamed
        // result gets the folder's usual permissions. Hidden and marked, in case a crash leaves it.
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                return Files.createFile(temp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) throw e;
            }
        }
    }

    private static String shapeText(int[] shape) {
        // Python's tuple repr: (), (5,), (1, 4, 64, 64)
        if (shape.length == 1) return "(" + shape[0] + ",)";
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) s.append(i == 0 ? "" : ", ").append(shape[i]);
        return s.append(')').toString();
    }

    /** Reorders column-major values (first index fastest) into row-major order. */
    private static float[] fortranToC(float[] f, int[] shape) {
        int rank = shape.length;
        int[] fStride = new int[rank];
        int stride = 1;
        for (int k = 0; k < rank; k++) {
            fStride[k] = stride;
            stride *= shape[k];
        }
        float[] c = new float[f.length];
        int[] index = new int[rank];
        int offset = 0; // Fortran offset of the current C-order index
        for (int i = 0; i < c.length; i++) {
            c[i] = f[offset];
            // Advance the row-major index, last dimension fastest, keeping the Fortran offset in step.
            for (int k = rank - 1; k >= 0; k--) {
                if (++index[k] < shape[k]) {
                    offset += fStride[k];
                    break;
                }
                offset -= fStride[k] * (shape[k] - 1);
                index[k] = 0;
            }
        }
        return c;
    }

    /** The header dictionary: a Python literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }. */
    private record Header(String descr, boolean fortranOrder, int[] shape) {
        static Header parse(String text, String source) throws IOException {
            Literal p = new Literal(text, source);
            String descr = null;
            Boolean fortran = null;
            int[] shape = null;
            p.expect('{');
            while (!p.peek('}')) {
                String key = p.string();
                p.expect(':');
                switch (key) {
                    case "descr" -> {
                        if (!p.peekQuote()) throw p.error("only simple element types are supported, not a structured dtype");
                        descr = p.string();
                    }
                    case "fortran_order" -> fortran = p.bool();
                    case "shape" -> shape = p.tuple();
                    default -> throw p.error("unexpected key '" + key + "'");
                }
                if (!p.peek('}')) p.expect(',');
            }
            if (descr == null || fortran == null || shape == null) throw p.error("header lacks descr, fortran_order or shape");
            return new Header(descr, fortran, shape);
        }
    }

    /** Just enough of Python's literal syntax for .npy headers. */
    private static final class Literal {
        private final String s;
        private final String source;
        private int pos;

        Literal(String s, String source) {
            this.s = s;
            this.source = source;
        }

        boolean peek(char c) {
            skipSpace();
            return pos < s.length() && s.charAt(pos) == c;
        }

        boolean peekQuote() {
            return peek('\'') || peek('"');
        }

        void expect(char c) throws IOException {
            if (!peek(c)) throw error("expected '" + c + "'");
            pos++;
        }

        String string() throws IOException {
            skipSpace();
            if (!peekQuote()) throw error("expected a quoted string");
            char quote = s.charAt(pos++);
            int end = s.indexOf(quote, pos);
            if (end < 0) throw error("unterminated string");
            String value = s.substring(pos, end);
            pos = end + 1;
            return value;
        }

        boolean bool() throws IOException {
            skipSpace();
            if (s.startsWith("True", pos)) { pos += 4; return true; }
            if (s.startsWith("False", pos)) { pos += 5; return false; }
            throw error("expected True or False");
        }

        int[] tuple() throws IOException {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            while (!peek(')')) {
                int start = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                if (start == pos) throw error("expected a dimension");
                try {
                    dims.add(Integer.parseInt(s.substring(start, pos)));
                } catch (NumberFormatException e) {
                    throw error("dimension " + s.substring(start, pos) + " is too large");
                }
                if (pos < s.length() && s.charAt(pos) == 'L') pos++; // Python 2 long suffix
                if (!peek(')')) expect(',');
            }
            pos++;
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        IOException error(String what) {
            return new IOException(source + ": unreadable .npy header (" + what + " at character " + pos + "): " + s.strip());
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }
    }

    /** An element type from a descr such as {@code <f4}: byte order, kind and size. */
    private record ElementType(ByteOrder order, char kind, int size) {
        static ElementType of(String descr, String source) throws IOException {
            if (descr.length() >= 3) {
                char orderChar = descr.charAt(0);
                char kind = descr.charAt(1);
                int size;
                try {
                    size = Integer.parseInt(descr.substring(2));
                } catch (NumberFormatException e) {
                    size = -1;
                }
                ByteOrder order = switch (orderChar) {
                    case '<' -> ByteOrder.LITTLE_ENDIAN;
                    case '>' -> ByteOrder.BIG_ENDIAN;
                    case '|', '=' -> ByteOrder.nativeOrder(); // '|': single bytes, order irrelevant
                    default -> null;
                };
                boolean supported = switch (kind) {
                    case 'f' -> size == 4 || size == 8;
                    case 'i', 'u' -> size == 1 || size == 2 || size == 4 || size == 8;
                    case 'b' -> size == 1;
                    default -> false;
                };
                if (order != null && supported) return new ElementType(order, kind, size);
            }
            throw new IOException(source + ": element type '" + descr
                    + "' is not supported (expected float32/64, integers or bool, e.g. '<f4')");
        }

        float read(ByteBuffer in) {
            return switch (kind) {
                case 'f' -> size == 4 ? in.getFloat() : (float) in.getDouble();
                case 'b' -> in.get() != 0 ? 1f : 0f;
                case 'i' -> switch (size) {
                    case 1 -> in.get();
                    case 2 -> in.getShort();
                    case 4 -> in.getInt();
                    default -> in.getLong();
                };
                default -> switch (size) { // unsigned
                    case 1 -> in.get() & 0xff;
                    case 2 -> in.getShort() & 0xffff;
                    case 4 -> in.getInt() & 0xffffffffL;
                    default -> unsignedToFloat(in.getLong());
                };
            };
        }

        private static float unsignedToFloat(long v) {
            // Halve with the dropped bit kept as a sticky bit, so the one rounding to float is still correct.
            return v >= 0 ? v : (float) ((v >>> 1) | (v & 1)) * 2f;
        }
    }
}
