package dev.emergence.engine.cli;

import dev.emergence.engine.model.NonFiniteGraphs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * `generate` on broken copies of the tiny test models (each made here) and with hostile numbers:
 * a model fault is exit 3, a bad request exit 4, each with one line on stderr, no stack trace and
 * no picture written (never a black PNG).
 */
class ModelFaultsCliTest {
    @TempDir
    Path temp;

    private Path copy(String bundle) throws IOException {
        return dev.emergence.engine.TestFolders.copy(Path.of("testmodels", bundle), temp.resolve(bundle));
    }

    private CliRun generate(Path model, String... more) {
        String[] base = {"generate", "--model", model.toString(), "--prompt", "a red circle", "--seed", "1",
                "--width", "64", "--height", "64", "--device", "cpu", "--out", temp.resolve("out.png").toString()};
        String[] steps = Stream.of(more).anyMatch("--steps"::equals) ? new String[0] : new String[] {"--steps", "3"};
        String[] args = Stream.of(base, steps, more).flatMap(Stream::of).toArray(String[]::new);
        return CliRun.of(args);
    }

    /** Checks the exit code, and returns the error: stderr's last line (the lines before it are progress). */
    private String fails(CliRun r, int code) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("error") || l.startsWith("internal")).count(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(temp.resolve("out.png")), "no picture is written");
        return r.err().strip().lines().reduce((a, b) -> b).orElse("");
    }

    private static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        if (!text.contains(from)) throw new IllegalStateException(file + " has no " + from);
        Files.writeString(file, text.replace(from, to));
    }

    /** A real ONNX decoder whose output is NaN: refused at the end of the run instead of a black picture. */
    @Test
    void aVaeDecoderThatOutputsNaNIsExit3() throws Exception {
        Path model = copy("tiny-sd");
        NonFiniteGraphs.vaeDecoder(model.resolve("vae_decoder/model.onnx"), Float.NaN);
        assertEquals("error: tiny-sd/vae_decoder/model.onnx produced NaN decoding the final latents; expected finite pixels",
                fails(generate(model), ExitCodes.BAD_MODEL));
    }

    @Test
    void anFp16ModelsOverflowingDecoderGetsTheFp32Advice() throws Exception {
        Path model = copy("tiny-sd-fp16");
        NonFiniteGraphs.vaeDecoder(model.resolve("vae_decoder/model.onnx"), Float.POSITIVE_INFINITY);
        // Latents times +Infinity: +Infinity or -Infinity by the first value's sign.
        String line = fails(generate(model), ExitCodes.BAD_MODEL);
        assertEquals("error: tiny-sd-fp16/vae_decoder/model.onnx produced Infinity decoding the final latents; expected finite pixels; "
                + "the fp16 VAE decoder overflowed; use an fp32 VAE decoder", line.replace("-Infinity", "Infinity"));
    }

    @Test
    void hugeNumTrainTimestepsIsExit3() throws Exception {
        Path model = copy("tiny-sd");
        edit(model.resolve("scheduler/scheduler_config.json"), "\"num_train_timesteps\": 1000", "\"num_train_timesteps\": 1.5e9");
        assertEquals("error: tiny-sd/scheduler/scheduler_config.json: num_train_timesteps must be from 1 to 100000, got 1500000000",
                fails(generate(model), ExitCodes.BAD_MODEL));
    }

    @Test
    void betasAboveOneAreExit3() throws Exception {
        Path model = copy("tiny-sd");
        edit(model.resolve("scheduler/scheduler_config.json"), "\"beta_end\": 0.012", "\"beta_end\": 1.2");
        assertEquals("error: tiny-sd/scheduler/scheduler_config.json: beta_end must be a number above 0 and below 1, got 1.2",
                fails(generate(model), ExitCodes.BAD_MODEL));
    }

    @Test
    void zeroScalingFactorIsExit3() throws Exception {
        Path model = copy("tiny-sd");
        edit(model.resolve("vae_decoder/config.json"), "\"scaling_factor\": 0.18215", "\"scaling_factor\": 0");
        assertEquals("error: tiny-sd/vae_decoder/config.json: scaling_factor is 0; expected a finite number from 1.0E-6 to 1000000.0",
                fails(generate(model), ExitCodes.BAD_MODEL));
    }

    @Test
    void hugeSampleSizeAndLongBlockListsAreExit3() throws Exception {
        Path model = copy("tiny-sd");
        edit(model.resolve("vae_decoder/config.json"), "\"sample_size\": 64", "\"sample_size\": 99999999999");
        assertEquals("error: tiny-sd/vae_decoder/config.json: sample_size is 99999999999; expected a whole number from 1 to 8192",
                fails(generate(model), ExitCodes.BAD_MODEL));
        edit(model.resolve("vae_decoder/config.json"), "\"sample_size\": 99999999999", "\"sample_size\": 64");
        edit(model.resolve("vae_decoder/config.json"), "\"block_out_channels\": [", "\"block_out_channels\": [" + "16, ".repeat(28));
        assertEquals("error: tiny-sd/vae_decoder/config.json: block_out_channels is a list of 32 entries; expected a list of 1 to 8 entries",
                fails(generate(model), ExitCodes.BAD_MODEL));
    }

    @Test
    void aHugeTokenizerFileIsExit3() throws Exception {
        Path model = copy("tiny-sd");
        try (RandomAccessFile raf = new RandomAccessFile(model.resolve("tokenizer/vocab.json").toFile(), "rw")) {
            raf.setLength(2_500_000_000L);
        }
        String line = fails(generate(model), ExitCodes.BAD_MODEL);
        assertEquals(true, line.endsWith("tokenizer/vocab.json: 2500000000 bytes is too large; expected at most 67108864 bytes (64 MiB)"), line);
    }

    @Test
    void aPythonWrittenDpmSolverConfigGenerates() throws Exception {
        Path model = copy("tiny-sd");
        edit(model.resolve("scheduler/scheduler_config.json"), "\"trained_betas\": null", "\"trained_betas\": null, \"lambda_min_clipped\": -Infinity");
        CliRun r = generate(model, "--scheduler", "dpmpp_2m");
        assertEquals(0, r.code(), r.err());
        assertEquals(true, Files.size(temp.resolve("out.png")) > 0);
    }

    /** SD 1.5's PNDM config (steps_offset 1) at 1000 steps reaches timestep 1000, past its last (diffusers: IndexError). */
    @Test
    void stepsPastTheScheduleAreExit4() throws Exception {
        assertEquals("error: steps: 1000 steps with \"leading\" timestep spacing and steps_offset 1 reach timestep 1000, "
                + "past the model's last training timestep 999; expected at most 999 steps",
                fails(generate(copy("tiny-sd"), "--steps", "1000"), ExitCodes.BAD_INPUT));
    }

    @Test
    void hugeCfgIsExit4() throws Exception {
        String line = fails(generate(copy("tiny-sd"), "--cfg", "1e308"), ExitCodes.BAD_INPUT);
        assertEquals(true, line.startsWith("error: cfg: "), line);
    }

    /** The schedule command runs the same checks: a step count past the schedule is the request's fault. */
    @Test
    void scheduleStepsPastTheScheduleAreExit4() {
        CliRun pndm = CliRun.of("schedule", "--scheduler", "pndm", "--steps", "1000");
        assertEquals(ExitCodes.BAD_INPUT, pndm.code(), pndm.err());
        assertEquals("error: steps: 1000 steps with \"leading\" timestep spacing and steps_offset 1 reach timestep 1000, "
                + "past the model's last training timestep 999; expected at most 999 steps", pndm.err().strip());
        // Past the command's own bound (the engine's MAX_STEPS) the count is refused before any schedule is made.
        CliRun euler = CliRun.of("schedule", "--scheduler", "euler", "--steps", "100000");
        assertEquals(ExitCodes.BAD_INPUT, euler.code(), euler.err());
        assertEquals("error: steps: 100000 is out of range; expected 1 to 1000", euler.err().strip());
    }
}
