package dev.emergence.engine.lora;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Malformed .safetensors files are refused with one line naming the file and what was expected. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A file as the format lays it out: u64 LE header length, the header, then {@code data}. */
    static Path write(Path file, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Files.write(file, b.array());
        return file;
    }

    private String refusal(String header, byte[] data) throws IOException {
        Path f = write(dir.resolve("bad.safetensors"), header, data);
        LoraException e = assertThrows(LoraException.class, () -> SafeTensors.open(f, "bad").close());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("bad: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsWhatTheFormatHolds() throws Exception {
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1.5f).putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x3f80).putShort((short) 0);
        Path f = write(dir.resolve("ok.safetensors"), "{\"__metadata__\":{\"a\":\"b\"},\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[8,12]}}",
                data.array());
        try (SafeTensors t = SafeTensors.open(f, "ok")) {
            assertEquals(3, t.entries().size());
            assertArrayEquals(new float[] {1.5f}, t.read("x"));
            assertArrayEquals(new float[] {1f, -2f}, t.read("h")); // float16 0x3c00 = 1, 0xc000 = -2
            assertArrayEquals(new float[] {1f, 0f}, t.read("b")); // bfloat16 0x3f80 = 1
        }
    }

    @Test
    void malformedHeaderJson() throws Exception {
        assertTrue(refusal("{\"x\": {\"dtype\": ", new byte[0]).contains("its header is not valid JSON"));
    }

    @Test
    void headerLengthBeyondTheFile() throws Exception {
        Path f = dir.resolve("long.safetensors");
        ByteBuffer b = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put((byte) '{').put((byte) '}');
        Files.write(f, b.array());
        LoraException e = assertThrows(LoraException.class, () -> SafeTensors.open(f, "long"));
        assertEquals("long: its header length 1000 runs past the end of the file (10 bytes); expected a safetensors file", e.getMessage());
        Files.write(f, new byte[] {1, 2, 3});
        assertTrue(assertThrows(LoraException.class, () -> SafeTensors.open(f, "long")).getMessage().contains("is 3 bytes"));
    }

    @Test
    void offsetsOutsideTheFile() throws Exception {
        assertEquals("bad: tensor 'x' has data_offsets [0,8], outside the file's 4 data bytes",
                refusal("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[4]));
        assertTrue(refusal("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-4,4]}}", new byte[8]).contains("outside the file"));
    }

    @Test
    void overlappingOffsets() throws Exception {
        String m = refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                new byte[12]);
        assertEquals("bad: tensors 'a' [0,8) and 'b' [4,12) overlap; expected each tensor's bytes apart", m);
    }

    @Test
    void sizeThatDoesNotFitTheShape() throws Exception {
        assertTrue(refusal("{\"x\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,4]}}", new byte[4])
                .contains("its shape [3] in F16 needs 6"));
    }

    @Test
    void dtypeInt8() throws Exception {
        assertEquals("bad: tensor 'x' has dtype I8; expected F16, BF16 or F32",
                refusal("{\"x\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}", new byte[4]));
    }
}
