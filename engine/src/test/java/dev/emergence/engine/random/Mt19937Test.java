package dev.emergence.engine.random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Mt19937Test {
    @Test
    void tenThousandthOutputForTheDefaultSeedIsTheOneTheCppStandardRequires() {
        // C++11 [rand.predef]: the 10000th consecutive invocation of a default-constructed
        // std::mt19937 (seed 5489) shall produce 4123659995.
        Mt19937 mt = new Mt19937(5489);
        int value = 0;
        for (int i = 0; i < 10000; i++) value = mt.nextInt();
        assertEquals(4123659995L, Integer.toUnsignedLong(value));
    }

    @Test
    void onlyTheLow32BitsOfTheSeedMatter() {
        // torch's init_with_uint32 uses seed & 0xffffffff.
        Mt19937 a = new Mt19937(5489), b = new Mt19937(5489 + (7L << 32));
        for (int i = 0; i < 2000; i++) assertEquals(a.nextInt(), b.nextInt(), "draw " + i);
    }
}
