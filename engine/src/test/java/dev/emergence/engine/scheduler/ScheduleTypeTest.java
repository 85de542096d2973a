package dev.emergence.engine.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schedule types' names and which scheduler takes which. The names are AUTOMATIC1111's
 * (modules/sd_schedulers.py: name, label and the alias "SGMUniform" of sgm_uniform); the kinds
 * that take Karras and exponential sigmas are the diffusers classes with use_karras_sigmas and
 * use_exponential_sigmas (Euler, LMS and DPM-Solver multistep, not Euler ancestral, in diffusers
 * 0.40.0.dev0 at commit 58eb52c0). How each type steps is checked against diffusers in
 * {@link SchedulerReferenceTest}.
 */
class ScheduleTypeTest {

    @Test
    void readsAutomatic1111sNamesAndLabels() {
        assertEquals(ScheduleType.SGM_UNIFORM, ScheduleType.parse("SGM Uniform").orElseThrow());
        assertEquals(ScheduleType.SGM_UNIFORM, ScheduleType.parse("sgm_uniform").orElseThrow());
        assertEquals(ScheduleType.SGM_UNIFORM, ScheduleType.parse("SGMUniform").orElseThrow());
        assertEquals(ScheduleType.KARRAS, ScheduleType.parse("Karras").orElseThrow());
        assertEquals(ScheduleType.AUTOMATIC, ScheduleType.parse(" automatic ").orElseThrow());
        assertEquals("SGM Uniform", ScheduleType.SGM_UNIFORM.label());
        assertEquals("Exponential", ScheduleType.EXPONENTIAL.label());
        assertTrue(ScheduleType.parse("Beta").isEmpty());
        assertTrue(ScheduleType.parse("").isEmpty());
        assertTrue(ScheduleType.parse(null).isEmpty());
    }

    @Test
    void onlyTheSigmaSchedulersDiffusersGivesTheOptionsTakeThem() {
        for (SchedulerKind k : List.of(SchedulerKind.EULER, SchedulerKind.LMS, SchedulerKind.DPMPP_2M)) {
            assertEquals(List.of(ScheduleType.values()), ScheduleType.forKind(k), k.cliName());
        }
        assertEquals(List.of(ScheduleType.AUTOMATIC, ScheduleType.UNIFORM, ScheduleType.SGM_UNIFORM),
                ScheduleType.forKind(SchedulerKind.EULER_ANCESTRAL));
        for (SchedulerKind k : List.of(SchedulerKind.DDIM, SchedulerKind.PNDM, SchedulerKind.LCM)) {
            assertEquals(List.of(ScheduleType.AUTOMATIC), ScheduleType.forKind(k), k.cliName());
        }
    }

    @Test
    void aCombinationTheEngineLacksIsRefusedInOneLine() {
        String ddim = ScheduleType.KARRAS.refusal(SchedulerKind.DDIM).orElseThrow();
        assertEquals("the DDIM scheduler steps its own timesteps and takes no schedule type; expected automatic", ddim);
        String eulerA = ScheduleType.EXPONENTIAL.refusal(SchedulerKind.EULER_ANCESTRAL).orElseThrow();
        assertEquals("the Euler a scheduler has no Exponential schedule; expected automatic, uniform or sgm_uniform", eulerA);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScheduleType.KARRAS.configure(SchedulerKind.PNDM, SchedulerConfig.sd15()));
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(ScheduleType.AUTOMATIC.refusal(SchedulerKind.LCM).isEmpty());
    }

    @Test
    void resolveNamesTheTypeOfWhatAConfigAsksFor() throws IOException {
        SchedulerConfig sd15 = SchedulerConfig.sd15();
        assertEquals(ScheduleType.UNIFORM, ScheduleType.resolve(SchedulerKind.EULER, sd15));
        assertEquals(ScheduleType.UNIFORM, ScheduleType.resolve(SchedulerKind.DPMPP_2M, sd15));
        assertEquals(ScheduleType.KARRAS, ScheduleType.resolve(SchedulerKind.DPMPP_2M, sd15.withUseKarrasSigmas(true)));
        assertEquals(ScheduleType.KARRAS, ScheduleType.resolve(SchedulerKind.DPMPP_2M_KARRAS, sd15));
        assertEquals(ScheduleType.SGM_UNIFORM, ScheduleType.resolve(SchedulerKind.EULER_ANCESTRAL, sd15.withTimestepSpacing("trailing")));
        assertEquals(ScheduleType.UNIFORM, ScheduleType.resolve(SchedulerKind.EULER, sd15.withTimestepSpacing("leading")));
        assertEquals(ScheduleType.EXPONENTIAL, ScheduleType.resolve(SchedulerKind.LMS, sd15.toBuilder().useExponentialSigmas(true).build()));
        // Euler's log_linear sigmas are none of the types; DDIM takes none.
        assertEquals(ScheduleType.AUTOMATIC, ScheduleType.resolve(SchedulerKind.EULER, sd15.toBuilder().interpolationType("log_linear").build()));
        assertEquals(ScheduleType.AUTOMATIC, ScheduleType.resolve(SchedulerKind.DDIM, sd15));
        // An exponential config spaced "leading": Exponential would space it "linspace" instead.
        SchedulerConfig leadingExp = sd15.toBuilder().useExponentialSigmas(true).timestepSpacing("leading").build();
        assertEquals(ScheduleType.AUTOMATIC, ScheduleType.resolve(SchedulerKind.EULER, leadingExp));
    }

    /**
     * The type resolve names runs the very schedule Automatic runs, for every config and kind of
     * the reference runs; and a configured type resolves back to itself.
     */
    @Test
    void theResolvedTypeRunsWhatAutomaticRuns() {
        JsonNode file = ReferenceData.load("schedule_types");
        int checked = 0;
        for (JsonNode run : file.get("runs")) {
            SchedulerKind kind = SchedulerKind.parse(run.get("kind").asText()).orElseThrow();
            ScheduleType type = ScheduleType.parse(run.get("schedule").asText()).orElseThrow();
            SchedulerConfig config = ReferenceData.config(run);
            SchedulerConfig configured = type.configure(kind, config);
            assertEquals(type, ScheduleType.resolve(kind, configured), run.get("name").asText());
            for (SchedulerConfig c : List.of(config, configured)) {
                ScheduleType resolved = ScheduleType.resolve(kind, c);
                if (resolved == ScheduleType.AUTOMATIC) continue;
                int steps = run.get("steps").asInt();
                Scheduler auto = Schedulers.create(kind, c), named = Schedulers.create(kind, resolved.configure(kind, c));
                auto.setTimesteps(steps);
                named.setTimesteps(steps);
                assertArrayEquals(auto.timesteps(), named.timesteps(), run.get("name").asText() + " as " + resolved);
                assertArrayEquals(auto.sigmas(), named.sigmas(), run.get("name").asText() + " as " + resolved);
                checked++;
            }
        }
        assertTrue(checked > 100, "compared " + checked);
    }
}
