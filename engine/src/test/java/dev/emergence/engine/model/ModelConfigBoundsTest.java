package dev.emergence.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Config values that would overflow an integer, exhaust memory or give black pictures make the
 * folder unusable (ModelException, the CLI's exit 3) with one line naming the file and the field;
 * and configs as Python writes them, non-finite numbers included, are read.
 */
class ModelConfigBoundsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private String openFails(Path dir) {
        ModelException e = assertThrows(ModelException.class, () -> ModelBundle.open(dir, TestModels.CPU).close());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    /** A copy of tiny-sd with {@code field} of {@code file} set to the JSON text {@code value} (written as Python would). */
    private Path withField(String file, String field, String value) throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        Path f = dir.resolve(file);
        ObjectNode config = Files.isRegularFile(f) ? (ObjectNode) JSON.readTree(f.toFile()) : JSON.createObjectNode();
        config.putNull(field);
        String text = JSON.writeValueAsString(config).replace("\"" + field + "\":null", "\"" + field + "\": " + value);
        Files.writeString(f, text);
        return dir;
    }

    @ParameterizedTest(name = "{0} {1} = {2}")
    @CsvSource(delimiter = '|', value = {
            "vae_decoder/config.json | scaling_factor     | 0            | scaling_factor is 0; expected a finite number from 1.0E-6 to 1000000.0",
            "vae_decoder/config.json | scaling_factor     | -0.18215     | scaling_factor is -0.18215; expected a finite number",
            "vae_decoder/config.json | scaling_factor     | NaN          | scaling_factor is NaN; expected a finite number",
            "vae_decoder/config.json | scaling_factor     | Infinity     | scaling_factor is Infinity; expected a finite number",
            "vae_decoder/config.json | scaling_factor     | \"0.18\"     | scaling_factor is \"0.18\"; expected a finite number",
            "vae_decoder/config.json | sample_size        | -64          | sample_size is -64; expected a whole number from 1 to 8192",
            "vae_decoder/config.json | sample_size        | 0            | sample_size is 0; expected a whole number from 1 to 8192",
            "vae_decoder/config.json | sample_size        | 1000000000000 | sample_size is 1000000000000; expected a whole number from 1 to 8192",
            "vae_decoder/config.json | latent_channels    | 100000       | latent_channels is 100000; expected a whole number from 1 to 64",
            "vae_decoder/config.json | block_out_channels | [8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8] | block_out_channels is a list of 32 entries; expected a list of 1 to 8 entries",
            "vae_decoder/config.json | block_out_channels | []           | block_out_channels is a list of 0 entries; expected a list of 1 to 8 entries",
            "unet/config.json        | sample_size        | 2147483647   | sample_size is 2147483647; expected a whole number from 1 to 1024",
            "unet/config.json        | sample_size        | -1           | sample_size is -1; expected a whole number from 1 to 1024",
            "unet/config.json        | cross_attention_dim | 1e300       | cross_attention_dim is 1.0E300; expected a whole number from 1 to 16384",
            "tokenizer/tokenizer_config.json | model_max_length | 5000    | model_max_length is 5000; expected a whole number of positions from 3 to 1024",
            "tokenizer/tokenizer_config.json | model_max_length | 0       | model_max_length is 0; expected a whole number of positions from 3 to 1024",
            "scheduler/scheduler_config.json | num_train_timesteps | 1.5e9 | num_train_timesteps must be from 1 to 100000, got 1500000000",
            "scheduler/scheduler_config.json | beta_end         | 1.5     | beta_end must be a number above 0 and below 1, got 1.5",
            "scheduler/scheduler_config.json | trained_betas    | [2.0]   | trained_betas has 1 values but num_train_timesteps is 1000",
            "scheduler/scheduler_config.json | steps_offset     | 1000    | steps_offset must be from 0 to num_train_timesteps - 1 (999), got 1000",
            "scheduler/scheduler_config.json | prediction_type  | \"flow\" | prediction_type \"flow\" is not supported",
    })
    void unusableConfigValuesNameTheFileAndField(String file, String field, String value, String expected) throws Exception {
        String message = openFails(withField(file, field, value));
        assertTrue(message.startsWith("tiny-sd/" + file + ": " + expected), message);
    }

    /** diffusers' DPMSolverMultistepScheduler config as Python's json.dump writes it, and transformers' no-limit length. */
    @Test
    void configsAsPythonWritesThemOpen() throws Exception {
        Path dir = withField("scheduler/scheduler_config.json", "lambda_min_clipped", "-Infinity");
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(dir.resolve("tokenizer/tokenizer_config.json").toFile());
        tokenizer.putNull("model_max_length");
        Files.writeString(dir.resolve("tokenizer/tokenizer_config.json"), JSON.writeValueAsString(tokenizer)
                .replace("\"model_max_length\":null", "\"model_max_length\": 1000000000000000019884624838656"));
        Files.writeString(dir.resolve("vae_decoder/config.json"), Files.readString(dir.resolve("vae_decoder/config.json"))
                .replace("\"_class_name\"", "\"force_upcast\": NaN, \"_class_name\""));
        try (ModelBundle bundle = ModelBundle.open(dir, TestModels.CPU)) {
            assertEquals(77, bundle.info().textLength());
            assertEquals(Double.NEGATIVE_INFINITY, bundle.schedulerConfig().lambdaMinClipped());
        }
    }

    /** Sizes are checked with Files.size before reading: a sparse file stands in for a huge one. */
    @Test
    void aHugeConfigIsRefusedUnread() throws Exception {
        Path dir = TestModels.copyBundle("tiny-sd", temp);
        try (RandomAccessFile raf = new RandomAccessFile(dir.resolve("unet/config.json").toFile(), "rw")) {
            raf.setLength(2_500_000_000L);
        }
        assertEquals("tiny-sd/unet/config.json: 2500000000 bytes is too large; expected at most 1048576 bytes (1 MiB)", openFails(dir));
    }
}
