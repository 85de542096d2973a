package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.image.Images;
import dev.emergence.engine.io.AtomicFiles;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.pipeline.CancellationToken;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.pipeline.LoadedModel;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate a picture: txt2img, img2img with --init, inpainting with --init and --mask.",
                "Absent flags take the model's native size, 20 steps, CFG 7.5, the model's scheduler and a random seed (printed)."})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR|NAME",
            description = "The model folder, or the name of a library model ('models list'); default: the embedded model.")
    String model;

    @Option(names = {"--prompt", "-p"}, paramLabel = "TEXT") String prompt;

    @Option(names = {"--negative", "-n"}, paramLabel = "TEXT", description = "Negative prompt (default: none).")
    String negative;

    @Option(names = "--steps", paramLabel = "N") Integer steps;

    @Option(names = "--cfg", paramLabel = "SCALE", description = "Classifier-free guidance scale; 1 or less skips the unconditional pass.")
    Double cfg;

    @Option(names = "--seed", paramLabel = "SEED") Long seed;

    @Option(names = "--scheduler", paramLabel = "NAME", description = "ddim, pndm, lms, euler, euler_a, dpmpp_2m, dpmpp_2m_karras or lcm.")
    String scheduler;

    @Option(names = "--width", paramLabel = "PX") Integer width;

    @Option(names = "--height", paramLabel = "PX") Integer height;

    @Option(names = "--init", paramLabel = "IMG", description = "Init image for img2img (and the image to repaint with --mask).")
    Path init;

    @Option(names = "--strength", paramLabel = "S", description = "img2img/inpaint strength in [0, 1] (default 0.8; inpainting 1).")
    Double strength;

    @Option(names = "--mask", paramLabel = "IMG", description = "Inpainting mask, same size as --init: white is repainted.")
    Path mask;

    @Option(names = "--feather", paramLabel = "PX", description = "Soften the mask edge by this many pixels (default 8 for inpainting).")
    Double feather;

    @Option(names = "--save-steps", paramLabel = "DIR", description = "Write every step's latent (.npy, .png) and x0 preview (.png) here.")
    Path saveSteps;

    @Option(names = "--preview", paramLabel = "KIND", defaultValue = "latent_rgb",
            description = "Decoder for --save-steps pictures: latent_rgb, tiny_decoder or full_vae. Default: ${DEFAULT-VALUE}.")
    String preview;

    @Option(names = "--from-png", paramLabel = "FILE", description = "Start from the parameters stored in a PNG; other flags override them.")
    Path fromPng;

    @Option(names = {"--out", "-o"}, required = true, paramLabel = "FILE.png") Path out;

    @Option(names = "--quiet", description = "No progress lines.") boolean quiet;

    @Mixin DeviceOptions device;

    @Override
    public Integer call() throws Exception {
        PrintStream err = System.err;
        GenerationRequest base = fromPng != null ? GenerationPng.readRequest(fromPng) : null;
        if (base == null && (prompt == null)) {
            throw new InvalidRequestException("prompt: none given; expected --prompt TEXT (or --from-png FILE)");
        }
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new InvalidRequestException("out: '" + out + "' must be a .png file");
        }
        PreviewKind previewKind = parsePreview(preview);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new InvalidRequestException("out: folder " + parent + " does not exist");
        }
        // Read the images before the (slower) model load so a typo fails fast.
        Path initPath = init != null ? init : base != null && base.initImage() != null ? Path.of(base.initImage()) : null;
        Path maskPath = mask != null ? mask : base != null && base.maskImage() != null ? Path.of(base.maskImage()) : null;
        BufferedImage initImage = initPath != null ? Images.read(initPath) : null;
        BufferedImage maskImage = maskPath != null ? Images.read(maskPath) : null;
        if (maskImage != null && initImage == null) {
            throw new InvalidRequestException("mask: inpainting needs --init IMG, the picture to repaint");
        }

        // Check the numbers now, so a typo fails before the (slower) model load.
        new GenerationRequest("", "", 64, 64, steps != null ? steps : 1, cfg != null ? cfg : 0, 0, SchedulerKind.EULER,
                strength != null ? strength : 1, feather != null ? feather : 0, null, null, null).validate();
        if (scheduler != null && SchedulerKind.parse(scheduler).isEmpty()) {
            throw new InvalidRequestException("scheduler: '" + scheduler + "' is unknown; expected one of " + SchedulerKind.cliNames());
        }

        Path modelDir = ModelArgument.resolve(model);
        long loadStart = System.nanoTime();
        try (LoadedModel m = LoadedModel.open(modelDir, device.toOptions())) {
            ModelInfo info = m.info();
            if (!quiet) {
                err.printf(Locale.ROOT, "model %s (%s%s) on %s, loaded in %.1f s%n", info.name(), info.family(),
                        info.inpainting() ? ", inpainting" : "", m.device(), (System.nanoTime() - loadStart) / 1e9);
            }
            GenerationRequest req = resolve(base, m, initImage, maskImage, initPath, maskPath);
            if (!quiet && seed == null && (base == null)) err.println("seed " + req.seed());

            StepListener listener = StepListener.NONE;
            if (saveSteps != null || !quiet) {
                Files.createDirectories(saveSteps != null ? saveSteps : Path.of("."));
                listener = snapshot -> {
                    if (!quiet) {
                        double secs = snapshot.elapsed().toNanos() / 1e9;
                        err.printf(Locale.ROOT, "step %d/%d  t=%.0f  sigma=%.3f  %.2f it/s%n", snapshot.stepIndex() + 1,
                                snapshot.stepCount(), snapshot.timestep(), snapshot.sigma(), (snapshot.stepIndex() + 1) / secs);
                    }
                    if (saveSteps != null) saveStep(m, snapshot.stepIndex(), snapshot.latent(), snapshot.x0(), previewKind);
                };
            }
            GenerationResult result = m.pipeline().generate(req, initImage, maskImage, listener, new CancellationToken());
            for (String notice : result.notices()) err.println("notice: " + notice);
            GenerationPng.save(out, result.image(), result.request(), result.mode());
            System.out.println(out + " (seed " + result.request().seed() + ")");
        }
        return ExitCodes.OK;
    }

    private GenerationRequest resolve(GenerationRequest base, LoadedModel m, BufferedImage initImage, BufferedImage maskImage,
                                      Path initPath, Path maskPath) throws InvalidRequestException {
        ModelInfo info = m.info();
        SchedulerKind kind;
        if (scheduler != null) {
            kind = SchedulerKind.parse(scheduler).orElseThrow(() -> new InvalidRequestException(
                    "scheduler: '" + scheduler + "' is unknown; expected one of " + SchedulerKind.cliNames()));
        } else {
            kind = base != null ? base.scheduler() : m.defaultScheduler();
        }
        boolean inpaint = maskImage != null;
        int w = width != null ? width : base != null ? base.width() : initImage != null ? initImage.getWidth() : info.nativeSampleSize();
        int h = height != null ? height : base != null ? base.height() : initImage != null ? initImage.getHeight() : info.nativeSampleSize();
        double defStrength = inpaint ? 1.0 : GenerationRequest.DEFAULT_STRENGTH;
        GenerationRequest r = new GenerationRequest(
                prompt != null ? prompt : base.prompt(),
                negative != null ? negative : base != null ? base.negativePrompt() : "",
                w, h,
                steps != null ? steps : base != null ? base.steps() : GenerationRequest.DEFAULT_STEPS,
                cfg != null ? cfg : base != null ? base.cfgScale() : GenerationRequest.DEFAULT_CFG,
                seed != null ? seed : base != null ? base.seed() : TorchGenerator.randomSeed(),
                kind,
                strength != null ? strength : base != null && initImage != null ? base.strength() : defStrength,
                feather != null ? feather : base != null ? base.maskFeatherPixels() : inpaint ? 8.0 : 0.0,
                initPath != null ? initPath.toAbsolutePath().toString() : null,
                maskPath != null ? maskPath.toAbsolutePath().toString() : null,
                info.name());
        r.validate();
        return r;
    }

    private void saveStep(LoadedModel m, int index, dev.emergence.engine.tensor.Tensor latent,
                          dev.emergence.engine.tensor.Tensor x0, PreviewKind kind) {
        String stem = String.format(Locale.ROOT, "step_%03d", index + 1);
        try {
            Npy.write(saveSteps.resolve(stem + "_latent.npy"), latent);
            writePng(saveSteps.resolve(stem + "_latent.png"), m.preview(latent, PreviewKind.LATENT_RGB));
            writePng(saveSteps.resolve(stem + "_x0.png"), m.preview(x0, kind));
        } catch (Exception e) {
            throw new IllegalStateException(new InvalidRequestException("save-steps: cannot write " + stem + " in " + saveSteps + ": " + e.getMessage()));
        }
    }

    private static void writePng(Path file, BufferedImage image) throws IOException {
        AtomicFiles.write(file, os -> ImageIO.write(image, "png", os));
    }

    private static PreviewKind parsePreview(String text) throws InvalidRequestException {
        try {
            return PreviewKind.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("preview: '" + text + "' is unknown; expected latent_rgb, tiny_decoder or full_vae");
        }
    }

}
