package dev.emergence.engine.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major (NCHW) order. The engine's one currency between
 * models, schedulers and previews: plain arrays, so the hot loops stay simple and fast.
 * Instances are not defensively copied; treat a tensor handed on as read-only.
 */
public final class Tensor {
    private final float[] data;
    private final int[] shape;

    public Tensor(float[] data, int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        }
        this.data = data;
        this.shape = shape.clone();
    }

    public static Tensor zeros(int... shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return new Tensor(new float[Math.toIntExact(n)], shape);
    }

    public float[] data() { return data; }

    public int[] shape() { return shape.clone(); }

    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    public int rank() { return shape.length; }

    public int size() { return data.length; }

    public long[] shapeAsLong() {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) s[i] = shape[i];
        return s;
    }

    public Tensor copy() { return new Tensor(data.clone(), shape); }

    public Tensor reshape(int... newShape) { return new Tensor(data, newShape); }

    public boolean sameShape(Tensor o) { return Arrays.equals(shape, o.shape); }

    /** this·a + other·b, element-wise, as a new tensor. */
    public Tensor axpby(float a, Tensor other, float b) {
        requireSameShape(other);
        float[] out = new float[data.length];
        float[] o = other.data;
        for (int i = 0; i < out.length; i++) out[i] = a * data[i] + b * o[i];
        return new Tensor(out, shape);
    }

    public Tensor scale(float a) {
        float[] out = new float[data.length];
        for (int i = 0; i < out.length; i++) out[i] = a * data[i];
        return new Tensor(out, shape);
    }

    public Tensor plus(Tensor other) { return axpby(1f, other, 1f); }

    public Tensor minus(Tensor other) { return axpby(1f, other, -1f); }

    /** Batch item {@code i} of an N... tensor, copied. */
    public Tensor batchItem(int i) {
        int per = data.length / shape[0];
        int[] s = shape.clone();
        s[0] = 1;
        return new Tensor(Arrays.copyOfRange(data, i * per, (i + 1) * per), s);
    }

    /** Concatenates along dimension 0. */
    public static Tensor concatBatch(Tensor... parts) {
        int n = 0, total = 0;
        for (Tensor t : parts) { n += t.shape[0]; total += t.data.length; }
        float[] out = new float[total];
        int off = 0;
        for (Tensor t : parts) { System.arraycopy(t.data, 0, out, off, t.data.length); off += t.data.length; }
        int[] s = parts[0].shape.clone();
        s[0] = n;
        return new Tensor(out, s);
    }

    /** Concatenates NCHW tensors along the channel dimension (dimension 1). */
    public static Tensor concatChannels(Tensor... parts) {
        int batch = parts[0].shape[0], h = parts[0].shape[2], w = parts[0].shape[3];
        int channels = 0;
        for (Tensor t : parts) {
            if (t.rank() != 4 || t.shape[0] != batch || t.shape[2] != h || t.shape[3] != w) {
                throw new IllegalArgumentException("cannot concatenate " + Arrays.toString(t.shape) + " on channels");
            }
            channels += t.shape[1];
        }
        float[] out = new float[batch * channels * h * w];
        int plane = h * w, off = 0;
        for (int b = 0; b < batch; b++) {
            for (Tensor t : parts) {
                int len = t.shape[1] * plane;
                System.arraycopy(t.data, b * len, out, off, len);
                off += len;
            }
        }
        return new Tensor(out, batch, channels, h, w);
    }

    private void requireSameShape(Tensor other) {
        if (!sameShape(other)) {
            throw new IllegalArgumentException("shape mismatch: " + Arrays.toString(shape) + " vs " + Arrays.toString(other.shape));
        }
    }

    @Override
    public String toString() { return "Tensor" + Arrays.toString(shape); }
}
