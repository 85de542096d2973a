package dev.emergence.engine.cli;

import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.library.DataFolders;
import dev.emergence.engine.model.DefaultModel;
import dev.emergence.engine.pipeline.GenerationPng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the command line tells people: help, progress, model names and what each model can do. */
class CliMessagesTest {
    static final String TINY = CliTest.TINY.toString();

    @TempDir
    Path dir;

    @Test
    void plmsProgressSaysWhyItCountsOneStepMore() throws Exception {
        CliRun r = CliRun.of("generate", "--model", TINY, "--prompt", "x", "--scheduler", "pndm", "--steps", "3", "--seed", "1",
                "--out", dir.resolve("pndm.png").toString());
        assertEquals(0, r.code(), r.err());
        List<String> steps = r.err().lines().filter(l -> l.startsWith("step ")).toList();
        assertEquals(4, steps.size(), r.err());
        for (int i = 0; i < 4; i++) assertTrue(steps.get(i).startsWith("step " + (i + 1) + "/4 (PLMS: 3 steps + 1 warm-up)  t="), steps.get(i));

        // img2img at strength 0.5 runs half of the steps, and the warm-up again.
        Path init = dir.resolve("init.png");
        ImageIO.write(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), "png", init.toFile());
        r = CliRun.of("generate", "--model", TINY, "--prompt", "x", "--scheduler", "pndm", "--steps", "4", "--strength", "0.5",
                "--init", init.toString(), "--out", dir.resolve("pndm-img2img.png").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("step 1/3 (PLMS: 2 steps + 1 warm-up)  t="), r.err());

        r = CliRun.of("generate", "--model", TINY, "--prompt", "x", "--scheduler", "euler", "--steps", "3",
                "--out", dir.resolve("euler.png").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("step 3/3  t="), r.err());
        assertFalse(r.err().contains("warm-up"), r.err());
    }

    @Test
    void theEmbeddedModelHasOneNameAndAnswersToItsOldOne() throws Exception {
        // An embedded model in a checkout's folder name: a link called default-model to the tiny model.
        Path embedded = Files.createSymbolicLink(dir.resolve("default-model"), CliTest.TINY.toAbsolutePath());
        String oldModel = System.getProperty(DefaultModel.PROPERTY), oldData = System.getProperty(DataFolders.PROPERTY);
        System.setProperty(DefaultModel.PROPERTY, embedded.toString());
        System.setProperty(DataFolders.PROPERTY, dir.resolve("data").toString());
        try {
            CliRun info = CliRun.of("info");
            assertEquals(0, info.code(), info.err());
            assertTrue(info.out().startsWith("Model:          default  ("), info.out());

            for (String name : new String[] {"default", "default-model", "Default"}) {
                Path out = dir.resolve("by-" + name + ".png");
                CliRun g = CliRun.of("generate", "--model", name, "--prompt", "x", "--steps", "1", "--out", out.toString());
                assertEquals(0, g.code(), g.err());
                assertTrue(g.err().startsWith("model default ("), g.err());
                assertTrue(PngMetadata.read(out).get(GenerationPng.PARAMETERS_KEY).endsWith(", Model: default"));
                assertTrue(PngMetadata.read(out).get(GenerationPng.REQUEST_KEY).contains("\"model\":\"default\""));
            }

            CliRun list = CliRun.of("models", "list", "--library", dir.resolve("library").toString());
            assertEquals(0, list.code(), list.err());
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith("default [embedded] ")), list.out());
        } finally {
            restore(DefaultModel.PROPERTY, oldModel);
            restore(DataFolders.PROPERTY, oldData);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    /** ONNX Runtime's CPU provider has few fp16 kernels: info says an fp16 model is meant for a GPU, and nothing of the kind for fp32. */
    @Test
    void infoSaysAnFp16ModelIsMeantForAGpu() {
        CliRun half = CliRun.of("info", "--model", Path.of("testmodels", "tiny-sd-fp16").toString());
        assertEquals(0, half.code(), half.err());
        assertTrue(half.out().contains("Precision:      fp16: meant for a GPU; on a CPU an fp32 export of the same model is faster"
                + " and needs less memory\n"), half.out());
        CliRun full = CliRun.of("info", "--model", Path.of("testmodels", "tiny-sd").toString());
        assertTrue(full.out().contains("Precision:      fp32\n"), full.out());
    }

    @Test
    void everyModelSaysWhatItGenerates() {
        String library = dir.resolve("library").toString();
        for (String[] model : new String[][] {
                {"tiny-sd", "txt2img, img2img, inpainting (by blending)"},
                {"tiny-sd-inpaint", "txt2img, img2img, inpainting (9-channel)"},
                {"tiny-sd-batch1", "txt2img only (no vae_encoder for img2img or inpainting)"}}) {
            Path folder = Path.of("testmodels", model[0]);
            CliRun info = CliRun.of("info", "--model", folder.toString());
            assertEquals(0, info.code(), info.err());
            assertTrue(info.out().contains("Generates:      " + model[1] + "\n"), info.out());
            CliRun add = CliRun.of("models", "import", folder.toString(), "--link", "--library", library);
            assertEquals(0, add.code(), add.err());
            assertTrue(add.out().trim().endsWith(model[1]) || add.out().trim().endsWith(model[1] + ", preview decoder"), add.out());
        }
    }

    @Test
    void everyHelpTextIsMadeOfWholeSentences() {
        List<String> problems = new ArrayList<>();
        check(new CommandLine(new Cli()), problems);
        assertEquals(List.of(), problems);
    }

    private static void check(CommandLine cl, List<String> problems) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        String name = spec.qualifiedName();
        if (!name.endsWith(" help")) {
            String[] description = spec.usageMessage().description();
            if (description.length == 0) problems.add(name + ": no description");
            // The first line is what the parent command's list shows: it must stand on its own.
            for (String line : description) if (!whole(line)) problems.add(name + ": '" + line + "'");
            for (CommandLine.Model.OptionSpec o : spec.options()) {
                if (o.usageHelp() || o.versionHelp()) continue;
                String[] d = o.description();
                if (d.length == 0) problems.add(name + " " + o.longestName() + ": no description");
                for (String line : d) if (!whole(line)) problems.add(name + " " + o.longestName() + ": '" + line + "'");
            }
            for (CommandLine.Model.PositionalParamSpec p : spec.positionalParameters()) {
                for (String line : p.description()) if (!whole(line)) problems.add(name + " " + p.paramLabel() + ": '" + line + "'");
            }
            // No address broken over two lines.
            String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
            if (usage.matches("(?s).*https?:\\s*\\n.*")) problems.add(name + ": an address is broken in\n" + usage);
        }
        for (CommandLine sub : cl.getSubcommands().values()) check(sub, problems);
    }

    /** A sentence that ends: a full stop, possibly inside closing brackets or quotes. */
    private static boolean whole(String line) {
        String t = line.strip();
        return !t.isEmpty() && t.matches("(?s).*[.!?][)\"']*");
    }
}
