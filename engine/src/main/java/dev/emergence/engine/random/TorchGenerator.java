package dev.emergence.engine.random;

import dev.emergence.engine.tensor.Tensor;

import java.util.concurrent.ThreadLocalRandom;

/**
 * PyTorch's CPU random generator, reproducing {@code torch.Generator("cpu").manual_seed(seed)} and
 * the draws diffusers makes from it ({@code torch.randn}, {@code torch.rand}) bit for bit, so a seed
 * gives the same initial latents and the same per-step noise as diffusers on x86-64 (torch builds
 * without its AVX2 kernel differ in the last bits of larger tensors; see {@code Avx2BoxMuller}).
 * <p>
 * Draws continue one stream, as on a torch generator: ancestral schedulers call {@link #randn} again
 * each step after the initial latents and get what torch would give them.
 * <p>
 * Methods are synchronized, like torch's generator mutex; one generation should own one generator.
 */
public final class TorchGenerator implements NoiseGenerator {
    /** torch switches from per-element Box-Muller to its vectorised fill at this many float elements. */
    private static final int VECTOR_FILL_MIN = 16;
    private static final float FLOAT_UNIT = 0x1.0p-24f;
    private static final double DOUBLE_UNIT = 0x1.0p-53;

    private final long initialSeed;
    private final Mt19937 engine;
    /** Box-Muller makes normals in pairs; torch keeps the second for the next scalar draw. */
    private double cachedNormal;
    private boolean hasCachedNormal;

    /**
     * Same stream as {@code torch.Generator("cpu").manual_seed(seed)}. The seed is read as an unsigned
     * 64-bit value (a negative long is a seed of 2^63 or more, as torch reads negative Python ints);
     * torch keeps all 64 bits as the initial seed but only the low 32 bits reach the Mersenne Twister,
     * so {@code seed} and {@code seed + 2^32} give the same numbers.
     */
    public TorchGenerator(long seed) {
        this.initialSeed = seed;
        this.engine = new Mt19937(seed);
    }

    /** A fresh seed for "no seed given", in 0..2^32-1 like the seeds diffusers and A1111 users share. */
    public static long randomSeed() {
        return ThreadLocalRandom.current().nextLong(1L << 32);
    }

    /** The seed this generator was made with, as torch's {@code initial_seed()} (unsigned 64-bit). */
    public long initialSeed() {
        return initialSeed;
    }

    /** {@code torch.randn(shape, generator=g)} for float32. */
    @Override
    public synchronized Tensor randn(int... shape) {
        float[] out = new float[elementCount(shape)];
        int n = out.length;
        if (n >= VECTOR_FILL_MIN) {
            // Uniforms for the whole tensor first, then Box-Muller over 16-element blocks.
            for (int i = 0; i < n; i++) out[i] = uniformFloat();
            for (int i = 0; i + 16 <= n; i += 16) Avx2BoxMuller.fill16(out, i);
            if (n % 16 != 0) {
                // torch redraws the last 16 uniforms and recomputes that block, overlapping the previous one.
                for (int i = n - 16; i < n; i++) out[i] = uniformFloat();
                Avx2BoxMuller.fill16(out, n - 16);
            }
        } else {
            for (int i = 0; i < n; i++) out[i] = (float) normalDouble();
        }
        return new Tensor(out, shape);
    }

    /** {@code torch.rand(shape, generator=g)} for float32: uniform in [0, 1). */
    public synchronized Tensor rand(int... shape) {
        float[] out = new float[elementCount(shape)];
        for (int i = 0; i < out.length; i++) out[i] = uniformFloat();
        return new Tensor(out, shape);
    }

    /** One float32 uniform in [0, 1) with 24 random bits, as one element of {@code torch.rand}. */
    public synchronized float nextFloat() {
        return uniformFloat();
    }

    /** One float64 uniform in [0, 1) with 53 random bits, as one element of {@code torch.rand(dtype=float64)}. */
    public synchronized double nextDouble() {
        return uniformDouble();
    }

    private float uniformFloat() {
        return (engine.nextInt() & 0xffffff) * FLOAT_UNIT;
    }

    private double uniformDouble() {
        // torch's random64(): the first 32-bit draw is the high word.
        long hi = engine.nextInt() & 0xffffffffL;
        long lo = engine.nextInt() & 0xffffffffL;
        return (((hi << 32) | lo) & ((1L << 53) - 1)) * DOUBLE_UNIT;
    }

    /**
     * torch's scalar normal sample (used for float tensors under 16 elements): double Box-Muller with
     * the sine half cached on the generator. StrictMath stands in for glibc; both are within an ulp of
     * the exact double, far below the float32 rounding that follows.
     */
    private double normalDouble() {
        if (hasCachedNormal) {
            hasCachedNormal = false;
            return cachedNormal;
        }
        double u1 = uniformDouble();
        double u2 = uniformDouble();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log1p(-u2));
        double theta = 2.0 * Math.PI * u1;
        cachedNormal = r * StrictMath.sin(theta);
        hasCachedNormal = true;
        return r * StrictMath.cos(theta);
    }

    private static int elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension " + d);
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large for one float array");
        }
        return (int) n;
    }
}
