package dev.emergence.engine.random;

/**
 * The Box-Muller step of PyTorch's vectorised {@code randn} on x86-64 ({@code normal_fill_16_AVX2}),
 * reproduced operation by operation in float32 so the results match torch bit for bit.
 * <p>
 * Torch does not call libm here: it uses Cephes-style single-precision polynomials for log and
 * sin/cos (its {@code avx_mathfun.h}), and its x86 builds compile them with FMA contraction, so
 * several multiply-add pairs are evaluated with a single rounding. Each {@code Math.fma} below
 * stands for such a fused pair and each plain {@code *}/{@code +} for a separately rounded one;
 * swapping either changes the last bit of some outputs. The pattern was checked against torch's
 * own output (see the reference tests), which is the only authority on it.
 * <p>
 * Builds of torch without the AVX2 kernel (for example on ARM, or with ATEN_CPU_CAPABILITY=default)
 * use libm's float log/sin/cos instead: measured on torch 1.13, about 40% of elements then differ
 * from these in the last bits, by at most about 2e-6 absolute. torch's AVX-512 dispatch gives the
 * AVX2 values.
 */
final class Avx2BoxMuller {
    private Avx2BoxMuller() {}

    /** float(2π) as torch broadcasts it: the double product rounded once to float. */
    private static final float TWO_PI = (float) (2.0 * Math.PI);

    // Natural log: x = m·2^e with m in [√½, √2), log(1+f) ≈ f - f²/2 + f³·P(f), ln2 split in two.
    private static final float SQRT_HALF = (float) 0.707106781186547524;
    private static final float LOG_P0 = (float) 7.0376836292E-2;
    private static final float LOG_P1 = (float) -1.1514610310E-1;
    private static final float LOG_P2 = (float) 1.1676998740E-1;
    private static final float LOG_P3 = (float) -1.2420140846E-1;
    private static final float LOG_P4 = (float) 1.4249322787E-1;
    private static final float LOG_P5 = (float) -1.6668057665E-1;
    private static final float LOG_P6 = (float) 2.0000714765E-1;
    private static final float LOG_P7 = (float) -2.4999993993E-1;
    private static final float LOG_P8 = (float) 3.3333331174E-1;
    private static final float LN2_LO = (float) -2.12194440e-4;
    private static final float LN2_HI = (float) 0.693359375;

    // sin/cos: reduce by multiples of π/4 (π/4 split in three parts), then one of two polynomials.
    private static final float FOUR_OVER_PI = (float) 1.27323954473516;
    private static final float MINUS_DP1 = (float) -0.78515625;
    private static final float MINUS_DP2 = (float) -2.4187564849853515625e-4;
    private static final float MINUS_DP3 = (float) -3.77489497744594108e-8;
    private static final float SIN_P0 = (float) -1.9515295891E-4;
    private static final float SIN_P1 = (float) 8.3321608736E-3;
    private static final float SIN_P2 = (float) -1.6666654611E-1;
    private static final float COS_P0 = (float) 2.443315711809948E-005;
    private static final float COS_P1 = (float) -1.388731625493765E-003;
    private static final float COS_P2 = (float) 4.166664568298827E-002;

    private static final int SIGN_BIT = 0x80000000;

    /**
     * Turns the 16 uniforms in {@code data[off..off+16)} into 16 standard normals in place:
     * element j (j < 8) pairs with element j+8, giving radius·cos into j and radius·sin into j+8.
     */
    static void fill16(float[] data, int off) {
        for (int j = 0; j < 8; j++) {
            float u1 = 1f - data[off + j]; // [0, 1) -> (0, 1] so the log is finite
            float u2 = data[off + j + 8];
            float radius = (float) Math.sqrt(-2f * log(u1)); // sqrt of a float is exact-rounded either way
            float theta = TWO_PI * u2;
            long sinCos = sinCos(theta);
            float sin = Float.intBitsToFloat((int) (sinCos >>> 32));
            float cos = Float.intBitsToFloat((int) sinCos);
            // torch finishes with fma(n, std, mean) = n·1 + 0, which only turns -0 into +0.
            data[off + j] = radius * cos + 0f;
            data[off + j + 8] = radius * sin + 0f;
        }
    }

    /** Natural logarithm of a positive float, as torch's AVX2 kernel computes it. */
    static float log(float input) {
        if (!(input > 0f)) return Float.NaN; // torch ORs an all-ones mask in: NaN for x <= 0
        float v = Math.max(input, Float.MIN_NORMAL); // denormals are clamped, not handled
        int bits = Float.floatToRawIntBits(v);
        float e = (float) ((bits >>> 23) - 0x7f) + 1f;
        // Mantissa with the exponent of 0.5: x in [0.5, 1).
        float x = Float.intBitsToFloat((bits & ~0x7f800000) | Float.floatToRawIntBits(0.5f));
        if (x < SQRT_HALF) {
            e -= 1f;
            x = (x - 1f) + x;
        } else {
            x = x - 1f;
        }
        float z = x * x;
        float y = Math.fma(LOG_P0, x, LOG_P1);
        y = Math.fma(y, x, LOG_P2);
        y = Math.fma(y, x, LOG_P3);
        y = Math.fma(y, x, LOG_P4);
        y = Math.fma(y, x, LOG_P5);
        y = Math.fma(y, x, LOG_P6);
        y = Math.fma(y, x, LOG_P7);
        y = Math.fma(y, x, LOG_P8);
        y = y * x;
        // y·z + e·LN2_LO: the compiler fuses the first product and rounds the second on its own.
        y = Math.fma(y, z, e * LN2_LO);
        y = Math.fma(-z, 0.5f, y);
        x = x + y;
        return Math.fma(e, LN2_HI, x);
    }

    /**
     * sin and cos of a float as torch's AVX2 kernel computes them, packed as
     * {@code (sinBits << 32) | cosBits} to avoid allocating a pair per call.
     */
    static long sinCos(float input) {
        int inputBits = Float.floatToRawIntBits(input);
        float x = Float.intBitsToFloat(inputBits & ~SIGN_BIT);
        int sinSign = inputBits & SIGN_BIT;

        // Octant j, rounded up to even: the reduced argument lies in [-π/4, π/4].
        int j = (int) (x * FOUR_OVER_PI); // truncation, like cvttps
        j = (j + 1) & ~1;
        float y = (float) j;
        sinSign ^= (j & 4) << 29;
        int cosSign = (~(j - 2) & 4) << 29;
        boolean sinPolyForSin = (j & 2) == 0;

        // x - j·π/4 in three steps, each product fused into its addition.
        x = Math.fma(y, MINUS_DP1, x);
        x = Math.fma(y, MINUS_DP2, x);
        x = Math.fma(y, MINUS_DP3, x);

        float z = x * x;
        float cosPoly = Math.fma(COS_P0, z, COS_P1);
        cosPoly = Math.fma(cosPoly, z, COS_P2);
        cosPoly = cosPoly * z;
        // cosPoly·z - z/2: the first product is fused, z·0.5 is exact anyway.
        cosPoly = Math.fma(cosPoly, z, -(z * 0.5f));
        cosPoly = cosPoly + 1f;

        float sinPoly = Math.fma(SIN_P0, z, SIN_P1);
        sinPoly = Math.fma(sinPoly, z, SIN_P2);
        sinPoly = sinPoly * z;
        sinPoly = Math.fma(sinPoly, x, x);

        float sin = sinPolyForSin ? sinPoly : cosPoly;
        float cos = sinPolyForSin ? cosPoly : sinPoly;
        int sinBits = Float.floatToRawIntBits(sin) ^ sinSign;
        int cosBits = Float.floatToRawIntBits(cos) ^ cosSign;
        return ((long) sinBits << 32) | (cosBits & 0xffffffffL);
    }
}
