package dev.emergence.engine.model;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * A forward reader of the protocol buffers wire format over a file, with 64-bit positions, that
 * skips length-delimited fields by moving its position instead of reading them.
 *
 * <p>Why not protobuf-java's {@code CodedInputStream}: it counts positions and limits in 32-bit
 * ints and refuses a stream past 2 GiB, while a UNet exported with its weights inline is one
 * ModelProto of 3.4 GB; and it would read every skipped weight through its buffer. Reading only
 * tags, varints and the few short strings wanted, and seeking over the rest, keeps memory at one
 * small buffer whatever the file holds.
 */
final class ProtoWire implements AutoCloseable {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    /** Thrown for bytes that are not a well-formed message; the message says what was wrong and where. */
    static final class MalformedException extends IOException {
        MalformedException(String message) {
            super(message);
        }
    }

    private final FileChannel channel;
    private final long size;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    /** File position of buffer[0]. */
    private long bufferStart;
    private long position;

    ProtoWire(FileChannel channel) throws IOException {
        this.channel = channel;
        this.size = channel.size();
        buffer.limit(0);
    }

    long size() {
        return size;
    }

    long position() {
        return position;
    }

    /** The next field's key (field number << 3 | wire type). */
    long readTag() throws IOException {
        long at = position;
        long tag = readVarint();
        if ((tag >>> 3) == 0) throw new MalformedException("field number 0 at byte " + at);
        return tag;
    }

    long readVarint() throws IOException {
        long at = position;
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new MalformedException("a varint longer than 10 bytes at byte " + at);
    }

    /**
     * The length of a length-delimited field just read, checked to end within {@code limit}.
     *
     * @return the position where the field's content ends
     */
    long readLengthEnd(long limit) throws IOException {
        long at = position;
        long length = readVarint();
        if (length < 0 || length > limit - position) {
            throw new MalformedException("a field at byte " + at + " claims " + Long.toUnsignedString(length)
                    + " bytes, past the end of what holds it (byte " + limit + ")");
        }
        return position + length;
    }

    /** The UTF-8 string of a length-delimited field, at most {@code max} bytes long. */
    String readString(long limit, int max) throws IOException {
        long at = position;
        long end = readLengthEnd(limit);
        if (end - position > max) throw new MalformedException("a string of " + (end - position) + " bytes at byte " + at
                + " (at most " + max + " expected)");
        byte[] bytes = new byte[(int) (end - position)];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) readByte();
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Skips the value of a field of {@code wireType} (its key already read), which must end within {@code limit}. */
    void skipValue(int wireType, long limit) throws IOException {
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> seek(position + 8, limit);
            case FIXED32 -> seek(position + 4, limit);
            case LENGTH_DELIMITED -> seek(readLengthEnd(limit), limit);
            // Groups (3, 4) are proto2-only and unused by ONNX; 6 and 7 do not exist.
            default -> throw new MalformedException("wire type " + wireType + " at byte " + (position - 1));
        }
    }

    /** Moves to {@code to} (within {@code limit}) without reading what lies between. */
    void seek(long to, long limit) throws IOException {
        if (to > limit) throw new MalformedException("a field runs past byte " + limit);
        position = to;
    }

    private int readByte() throws IOException {
        long offset = position - bufferStart;
        if (offset < 0 || offset >= buffer.limit()) {
            if (position >= size) throw new EOFException("the file ends at byte " + size + " in the middle of a field");
            buffer.clear();
            bufferStart = position;
            while (buffer.position() == 0) {
                if (channel.read(buffer, bufferStart) < 0) throw new EOFException("the file ends at byte " + bufferStart);
            }
            buffer.flip();
            offset = 0;
        }
        position++;
        return buffer.get((int) offset) & 0xff;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
