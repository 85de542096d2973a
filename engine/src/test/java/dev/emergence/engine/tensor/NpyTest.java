package dev.emergence.engine.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The reference files under reference/npy/ were written by numpy's np.save
 * (engine/tools/reference/make_npy_refs.py); the expected arrays here are rebuilt from the same
 * formulas that script uses.
 */
class NpyTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;

    /** make_npy_refs.py's float_grid(): i·0.25 − 1.5 over (2, 3, 4), with special values placed in it. */
    private static Tensor floatGrid() {
        float[] v = new float[24];
        for (int i = 0; i < 24; i++) v[i] = i * 0.25f - 1.5f;
        v[1] = -0.0f;                       // [0, 0, 1]
        v[4] = Float.POSITIVE_INFINITY;     // [0, 1, 0]
        v[12] = Float.NEGATIVE_INFINITY;    // [1, 0, 0]
        v[23] = Float.NaN;                  // [1, 2, 3]
        v[17] = Float.MIN_VALUE;            // [1, 1, 1], np.float32(1e-45)
        return new Tensor(v, 2, 3, 4);
    }

    @Test
    void readsFloat32WrittenByNumpy() throws IOException {
        Tensor t = Npy.decode(resource("f4_2x3x4.npy"), "f4_2x3x4.npy");
        assertArrayEquals(new int[] {2, 3, 4}, t.shape());
        assertBitsEqual(floatGrid().data(), t.data());
    }

    @Test
    void writesTheSameBytesAsNumpy() throws IOException {
        // Same header text, growth padding, 64-byte alignment and data as np.save.
        assertArrayEquals(resource("f4_2x3x4.npy"), Npy.encode(floatGrid()));
        assertArrayEquals(resource("f4_5.npy"), Npy.encode(new Tensor(new float[] {0.5f, -1f, 3.25f, 1e10f, -2e-3f}, 5)));
        assertArrayEquals(resource("f4_scalar.npy"), Npy.encode(new Tensor(new float[] {3.5f})));
        assertArrayEquals(resource("f4_1234567x0.npy"), Npy.encode(Tensor.zeros(1234567, 0)));
    }

    @Test
    void readsOtherElementTypesByteOrdersAndFortranOrder() throws IOException {
        Tensor f8 = Npy.decode(resource("f8_3x2.npy"), "f8");
        assertArrayEquals(new int[] {3, 2}, f8.shape());
        for (int i = 0; i < 6; i++) assertEquals((float) (i / 3.0), f8.data()[i], 0f, "f8 element " + i);

        assertArrayEquals(new float[] {0, -7, (float) (1L << 40), 123456789f}, Npy.decode(resource("i8_4.npy"), "i8").data());
        assertArrayEquals(new float[] {-1, 0, 2147483647f}, Npy.decode(resource("i4_3.npy"), "i4").data());
        assertArrayEquals(new float[] {0, 1, 128, 255}, Npy.decode(resource("u1_4.npy"), "u1").data());
        assertArrayEquals(new float[] {1, 0, 1}, Npy.decode(resource("b1_3.npy"), "b1").data());
        assertArrayEquals(new float[] {1.5f, -2f, 0.1f, 7f}, Npy.decode(resource("f4_big_endian_4.npy"), ">f4").data());

        // np.asfortranarray(arange(6).reshape(2, 3)): stored column-major, read back row-major.
        Tensor fortran = Npy.decode(resource("f4_fortran_2x3.npy"), "fortran");
        assertArrayEquals(new int[] {2, 3}, fortran.shape());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, fortran.data());
    }

    @Test
    void writeThenReadRoundTripsAndReplacesAtomically() throws IOException {
        Path file = dir.resolve("latents.npy");
        Npy.write(file, floatGrid());
        assertBitsEqual(floatGrid().data(), Npy.read(file).data());

        Tensor second = new Tensor(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        Npy.write(file, second);
        assertArrayEquals(second.data(), Npy.read(file).data());
        assertArrayEquals(new int[] {1, 1, 2, 2}, Npy.read(file).shape());
        assertEquals(List.of(file), listing(), "only the target file remains, no temporary files");
    }

    @Test
    void failedWriteLeavesNoPartialOrTemporaryFile() throws IOException {
        // A non-empty folder in the way makes the final rename fail after the data was written.
        Path blocked = Files.createDirectory(dir.resolve("blocked.npy"));
        Files.writeString(blocked.resolve("keep.txt"), "x");
        assertThrows(IOException.class, () -> Npy.write(blocked, floatGrid()));
        assertEquals(List.of(blocked), listing(), "the temporary file was removed");
        assertTrue(Files.isDirectory(blocked) && Files.exists(blocked.resolve("keep.txt")));
    }

    @Test
    void rejectsFilesItCannotRepresentWithAReason() {
        byte[] good = Npy.encode(new Tensor(new float[] {1, 2, 3}, 3));

        byte[] notNpy = "hello, this is not numpy".getBytes(StandardCharsets.US_ASCII);
        assertMessageContains(() -> Npy.decode(notNpy, "a.npy"), "a.npy: not a .npy file");

        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 2);
        assertMessageContains(() -> Npy.decode(truncated, "b.npy"), "needs 12 bytes of data, the file has 10");

        byte[] complex = replaceAscii(good, "'<f4'", "'<c8'");
        assertMessageContains(() -> Npy.decode(complex, "c.npy"), "element type '<c8' is not supported");
    }

    @Test
    void numpyLoadsWhatJavaWrites() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON + ": cannot cross-check with numpy");
        assumeTrue(run(PYTHON.toString(), "-c", "import numpy").exitCode == 0, "python3 has no numpy: cannot cross-check");

        float[] values = new float[30];
        for (int i = 0; i < values.length; i++) values[i] = (float) Math.sin(i * 0.7) * (i + 1);
        values[3] = -0.0f;
        Path file = dir.resolve("from_java.npy");
        Npy.write(file, new Tensor(values, 2, 3, 5));

        String script = "import sys, numpy as np\n"
                + "a = np.load(sys.argv[1])\n"
                + "print(a.dtype.str, a.shape, np.isfortran(a))\n"
                + "print(' '.join('%08x' % v for v in a.ravel().view('<u4')))\n";
        Result r = run(PYTHON.toString(), "-c", script, file.toString());
        assertEquals(0, r.exitCode, r.output);
        String[] lines = r.output.strip().split("\n");
        assertEquals("<f4 (2, 3, 5) False", lines[0].strip());
        String[] hex = lines[1].strip().split(" ");
        assertEquals(values.length, hex.length);
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToRawIntBits(values[i]), Integer.parseUnsignedInt(hex[i], 16), "element " + i);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = NpyTest.class.getResourceAsStream("/reference/npy/" + name)) {
            if (in == null) throw new IOException("test resource reference/npy/" + name + " missing");
            return in.readAllBytes();
        }
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static void assertBitsEqual(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    "element " + i + ": expected " + expected[i] + " but was " + actual[i]);
        }
    }

    private static void assertMessageContains(org.junit.jupiter.api.function.Executable call, String text) {
        IOException e = assertThrows(IOException.class, call);
        assertTrue(e.getMessage().contains(text), "message '" + e.getMessage() + "' should contain '" + text + "'");
    }

    private static byte[] replaceAscii(byte[] bytes, String from, String to) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(s.contains(from));
        return s.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }

    private record Result(int exitCode, String output) {}

    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
