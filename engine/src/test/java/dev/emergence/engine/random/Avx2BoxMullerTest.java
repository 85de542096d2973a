package dev.emergence.engine.random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accuracy of the float32 polynomials against StrictMath (fdlibm), over the inputs randn feeds them:
 * 1 - u and 2π·u for u = k·2^-24. Bit-exactness with torch is TorchGeneratorTest's job; this checks
 * that the reimplemented functions are genuine log/sin/cos, good to about one float ulp.
 */
class Avx2BoxMullerTest {
    private static final int STEP = 251; // ~67k of the 2^24 possible uniforms, spread over the range

    @Test
    void logIsWithinOneUlp() {
        for (int k = 1; k <= 1 << 24; k += STEP) {
            float u = k * 0x1p-24f;
            float expected = (float) StrictMath.log(u);
            float actual = Avx2BoxMuller.log(u);
            assertTrue(Math.abs(actual - expected) <= Math.ulp(expected), "log(" + u + ") = " + actual + ", expected " + expected);
        }
        assertEquals(0f, Avx2BoxMuller.log(1f));
        assertTrue(Float.isNaN(Avx2BoxMuller.log(0f)) && Float.isNaN(Avx2BoxMuller.log(-1f)));
    }

    @Test
    void sinAndCosAreWithinTwoToTheMinus23() {
        for (int k = 0; k < 1 << 24; k += STEP) {
            float theta = (float) (2 * Math.PI) * (k * 0x1p-24f);
            long packed = Avx2BoxMuller.sinCos(theta);
            float sin = Float.intBitsToFloat((int) (packed >>> 32));
            float cos = Float.intBitsToFloat((int) packed);
            assertEquals(StrictMath.sin(theta), sin, 0x1p-23, "sin(" + theta + ")");
            assertEquals(StrictMath.cos(theta), cos, 0x1p-23, "cos(" + theta + ")");
        }
    }

    @Test
    void fill16PairsElementJWithElementJPlus8() {
        float[] data = new float[16];
        for (int i = 0; i < 16; i++) data[i] = (i * 37 % 16 + 0.5f) / 16f;
        float[] uniforms = data.clone();
        Avx2BoxMuller.fill16(data, 0);
        for (int j = 0; j < 8; j++) {
            // Box-Muller: n_j² + n_{j+8}² = -2·ln(1 - u_j), and the angle is 2π·u_{j+8}.
            double r2 = -2 * Math.log(1 - (double) uniforms[j]);
            assertEquals(r2, (double) data[j] * data[j] + (double) data[j + 8] * data[j + 8], 1e-5 * Math.max(1, r2));
            double angle = Math.atan2(data[j + 8], data[j]);
            double expectedAngle = Math.IEEEremainder(2 * Math.PI * uniforms[j + 8], 2 * Math.PI);
            assertEquals(expectedAngle, angle, 1e-5);
        }
    }
}
