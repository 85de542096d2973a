package dev.emergence.app.params;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class NumberRuleTest {
    @Test
    void acceptsValuesInRangeOnTheStep() {
        assertEquals(7.5, Parameters.CFG.parse(" 7.5 ").value());
        assertEquals(7.5, Parameters.CFG.parse("7,5").value(), "a decimal comma is read as a point");
        assertEquals(150.0, Parameters.STEPS.parse("150").value());
        assertEquals(20.0, Parameters.STEPS.parse("20.0").value(), "20.0 is a whole number");
    }

    @Test
    void refusesWithAReasonNamingTheParameterAndTheRange() {
        assertEquals("steps: 151 is out of range; expected a whole number from 1 to 150", Parameters.STEPS.parse("151").error());
        assertEquals("steps: 2.5 is not a whole number; expected a whole number from 1 to 150", Parameters.STEPS.parse("2.5").error());
        assertEquals("CFG: 7.3 is not a multiple of 0.5; expected 0 to 20 in steps of 0.5", Parameters.CFG.parse("7.3").error());
        assertEquals("CFG: 'abc' is not a number; expected 0 to 20 in steps of 0.5", Parameters.CFG.parse("abc").error());
        assertEquals("strength: empty; expected 0 to 1 in steps of 0.01", Parameters.STRENGTH.parse("  ").error());
        assertNull(Parameters.STEPS.parse("151").value());
        assertFalse(Parameters.SEED.parse("-1").ok());
    }

    @Test
    void snapsSliderValues() {
        assertEquals(7.5, Parameters.CFG.snap(7.6));
        assertEquals(20.0, Parameters.CFG.snap(25));
        assertEquals(3.0, Parameters.STEPS.snap(2.6));
        assertEquals(0.35, Parameters.STRENGTH.snap(0.3512), 1e-12);
    }

    @Test
    void formatsWithoutNeedlessDecimals() {
        assertEquals("8", Parameters.CFG.format(8.0));
        assertEquals("7.5", Parameters.CFG.format(7.5));
        assertEquals("0.35", Parameters.STRENGTH.format(0.35));
        assertEquals("4294967295", Parameters.SEED.format(4294967295.0));
    }
}
