package dev.emergence.engine.random;

/**
 * The Mersenne Twister exactly as PyTorch's CPU generator runs it ({@code at::mt19937}): a
 * 624-word state seeded from the low 32 bits of the seed with the reference
 * {@code init_genrand} recurrence, regenerated lazily on the first draw, and tempered with the
 * reference constants. Its output is the plain MT19937 stream, so it also matches
 * {@code std::mt19937} and numpy's {@code RandomState} seeded with the same 32-bit value.
 * <p>
 * Not thread-safe; {@link TorchGenerator} serialises access.
 */
final class Mt19937 {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private final int[] state = new int[N];
    /** Draws left before the state must be regenerated; 1 after seeding, so the first draw regenerates. */
    private int left;
    private int next;

    /** Seeds like torch: only the low 32 bits of the (unsigned 64-bit) seed enter the state. */
    Mt19937(long seed) {
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            int prev = state[j - 1];
            // Unsigned 32-bit arithmetic: Java's int multiply/add wrap exactly like uint32_t.
            state[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
        }
        left = 1;
        next = 0;
    }

    /** The next 32 random bits, as an unsigned value in an int. */
    int nextInt() {
        if (--left == 0) regenerate();
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    private void regenerate() {
        int[] s = state;
        int i = 0;
        for (; i < N - M; i++) s[i] = s[i + M] ^ twist(s[i], s[i + 1]);
        for (; i < N - 1; i++) s[i] = s[i + M - N] ^ twist(s[i], s[i + 1]);
        s[N - 1] = s[M - 1] ^ twist(s[N - 1], s[0]);
        left = N;
        next = 0;
    }

    private static int twist(int u, int v) {
        int mixed = (u & UPPER_MASK) | (v & LOWER_MASK);
        return (mixed >>> 1) ^ ((v & 1) != 0 ? MATRIX_A : 0);
    }
}
