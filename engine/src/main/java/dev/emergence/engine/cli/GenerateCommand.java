package dev.emergence.engine.cli;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.control.CannyPreprocessor;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.image.Images;
import dev.emergence.engine.io.AtomicFiles;
import dev.emergence.engine.library.ModelLibrary;
import dev.emergence.engine.lora.LoraChange;
import dev.emergence.engine.lora.LoraFile;
import dev.emergence.engine.lora.LoraLibrary;
import dev.emergence.engine.lora.LoraMerger;
import dev.emergence.engine.lora.LoraTarget;
import dev.emergence.engine.lora.LoraWeight;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.model.VaeTiling;
import dev.emergence.engine.pipeline.CancellationToken;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.pipeline.LoadedModel;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.pipeline.PromptLoras;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.pipeline.StepSnapshot;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.scheduler.ScheduleType;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Npy;
import dev.emergence.engine.text.SafeText;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate a picture: txt2img, img2img with --init, inpainting with --init and --mask.",
                "Absent flags take the model's native size, its family's steps, CFG and scheduler (SD 1.x and 2.x: 20 steps, CFG 7.5 and "
                        + "the scheduler its config names; SDXL: 25 steps, CFG 5; Turbo: 1 step, CFG 0; LCM: 4 steps, guidance 8.5 "
                        + "with the LCM scheduler) and a random seed (printed).",
                "Pictures are at most " + GenerationRequest.MAX_SIDE + " pixels a side; an init or mask image file at most "
                        + Images.MAX_SIDE + " pixels a side."})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR|NAME",
            description = "The model folder, or the name of a library model ('models list'); default: the embedded model.")
    String model;

    @Option(names = {"--prompt", "-p"}, paramLabel = "TEXT", description = "What to draw (required unless --from-png gives it).")
    String prompt;

    @Option(names = {"--negative", "-n"}, paramLabel = "TEXT", description = "Negative prompt (default: none).")
    String negative;

    @Option(names = "--steps", paramLabel = "N", description = "Denoising steps, 1 to " + GenerationRequest.MAX_STEPS
            + " (default: the model family's, 20 for SD 1.x and 2.x).")
    Integer steps;

    @Option(names = "--cfg", paramLabel = "SCALE", description = "Classifier-free guidance scale; 1 or less skips the unconditional pass. "
            + "For LCM models, the scale their guidance embedding is made from (default: the model family's, 7.5 for SD 1.x and 2.x).")
    Double cfg;

    @Option(names = "--seed", paramLabel = "SEED", description = "The seed of the initial noise (default: a random one, printed).")
    Long seed;

    @Option(names = "--clip-skip", paramLabel = "N", description = "AUTOMATIC1111's Clip skip, 1 to " + GenerationRequest.MAX_CLIP_SKIP
            + ": 2 conditions on the text encoder's layer before the usual one. SDXL models take it; for others it is ignored, with a notice.")
    Integer clipSkip;

    @Option(names = "--scheduler", paramLabel = "NAME", description = "The sampler: ddim, pndm, lms, euler, euler_a, dpmpp_2m or lcm."
            + " The older name dpmpp_2m_karras still works and means dpmpp_2m with --schedule karras."
            + " Default: the one --from-png gives, else the model family's.")
    String scheduler;

    @Option(names = "--schedule", paramLabel = "TYPE", description = ScheduleOption.HELP
            + " Default: the one --from-png gives (unless --scheduler is given), else automatic.")
    String schedule;

    @Option(names = "--width", paramLabel = "PX", description = "Picture width, at most " + GenerationRequest.MAX_SIDE
            + " and rounded down to a multiple of 64 (default: the init image's, else the model's native size).")
    Integer width;

    @Option(names = "--height", paramLabel = "PX", description = "Picture height, at most " + GenerationRequest.MAX_SIDE
            + " and rounded down to a multiple of 64 (default: the init image's, else the model's native size).")
    Integer height;

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

    @Option(names = "--from-png", paramLabel = "FILE", description = "Start from the parameters stored in a PNG; other flags override them."
            + " Init and mask paths stored there are never read: give --init and --mask.")
    Path fromPng;

    @Option(names = {"--out", "-o"}, required = true, paramLabel = "FILE.png",
            description = "The picture to write, with its parameters; its folder must exist and be writable.")
    Path out;

    @Option(names = "--lora", paramLabel = "NAME_OR_PATH[:WEIGHT]",
            description = "Apply a LoRA (repeatable): a .safetensors file, or a name in the library's loras folder; the weight is 1 when not"
                    + " given. Like a <lora:NAME:WEIGHT> tag in the prompt, which is looked up in the same folder. Kohya and diffusers (peft) files.")
    List<String> loras = new ArrayList<>();

    @Option(names = "--vae-tiling", paramLabel = "MODE", description = "Decode and encode with the VAE in overlapping tiles of its"
            + " native size, which bounds memory: auto (beyond 1.5 times the native size in either side), on (whenever larger than a"
            + " tile) or off. Default: the --from-png picture's, else auto.")
    String vaeTiling;

    @Option(names = "--quiet", description = "No progress lines.") boolean quiet;

    @Mixin DeviceOptions device;

    @ArgGroup(exclusive = false, multiplicity = "0..*", heading = "%nControlNet (repeat --control IMG --control-model DIR ... for several; "
            + "their residuals are summed):%n")
    List<ControlOptions> controls = new ArrayList<>();

    /** One ControlNet: its picture, its model and how it steers. */
    static final class ControlOptions {
        @Option(names = "--control", required = true, paramLabel = "IMG",
                description = "The picture the control is made from (PNG, JPEG or BMP); resized to the generation's size.")
        Path image;

        @Option(names = "--control-model", required = true, paramLabel = "DIR",
                description = "The ControlNet: a folder with model.onnx (OnnxStack's export). The base model needs a ControlNet UNet "
                        + "(controlnet/model.onnx in its folder).")
        Path model;

        @Option(names = "--control-preprocessor", paramLabel = "NAME",
                description = "How the control picture is made: none (the picture is one already), scribble (white strokes on black), "
                        + "canny (edges) or tile (the picture itself). Default: the --from-png picture's for this ControlNet, else none.")
        String preprocessor;

        @Option(names = "--control-weight", paramLabel = "W", description = "How strongly it steers, 0 to " + ControlUnit.MAX_WEIGHT
                + " (default: the --from-png picture's, else 1).")
        Double weight;

        @Option(names = "--control-start", paramLabel = "F", description = "The fraction of the steps before which it does not act "
                + "(default: the --from-png picture's, else 0).")
        Double start;

        @Option(names = "--control-end", paramLabel = "F", description = "The fraction of the steps after which it no longer acts "
                + "(default: the --from-png picture's, else 1).")
        Double end;

        @Option(names = "--canny-low", paramLabel = "T", description = "Canny's lower threshold (default: the --from-png picture's, else 100).")
        Double cannyLow;

        @Option(names = "--canny-high", paramLabel = "T", description = "Canny's upper threshold (default: the --from-png picture's, else 200).")
        Double cannyHigh;

        @Option(names = "--canny-l2", description = "Canny's L2 gradient magnitude (default: the --from-png picture's, else L1, as OpenCV's).")
        boolean cannyL2;

        /**
         * The unit these options give; settings not given are the stored unit's (the ControlNet at
         * the same place in the --from-png picture), else the defaults.
         */
        ControlUnit unit(int index, ControlUnit stored) throws InvalidRequestException {
            PreprocessorKind kind = PreprocessorKind.NONE;
            if (preprocessor != null) {
                kind = PreprocessorKind.parse(preprocessor).orElseThrow(() -> new InvalidRequestException("control " + index
                        + ": preprocessor '" + preprocessor + "' is unknown; expected one of " + PreprocessorKind.cliNames()));
            } else if (stored != null) {
                kind = stored.preprocessor();
            }
            if (kind != PreprocessorKind.CANNY && (cannyLow != null || cannyHigh != null || cannyL2)) {
                throw new InvalidRequestException("control " + index + ": --canny-low, --canny-high and --canny-l2 apply to "
                        + "--control-preprocessor canny; it is " + kind.cliName());
            }
            ControlUnit unit = new ControlUnit(model.toAbsolutePath().toString(), kind,
                    weight != null ? weight : stored != null ? stored.weight() : 1.0,
                    start != null ? start : stored != null ? stored.guidanceStart() : 0.0,
                    end != null ? end : stored != null ? stored.guidanceEnd() : 1.0)
                    .withImage(image.toAbsolutePath().toString());
            if (kind == PreprocessorKind.CANNY) {
                boolean storedCanny = stored != null && stored.preprocessor() == PreprocessorKind.CANNY;
                unit = unit.withCanny(cannyLow != null ? cannyLow : storedCanny ? stored.cannyLowOrDefault() : CannyPreprocessor.DEFAULT_LOW,
                        cannyHigh != null ? cannyHigh : storedCanny ? stored.cannyHighOrDefault() : CannyPreprocessor.DEFAULT_HIGH,
                        cannyL2 || (storedCanny && stored.cannyL2OrDefault()));
            }
            unit.validate("control " + index);
            return unit;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintStream err = System.err;
        // Everything that can be checked without the model is checked first, so a typo fails fast
        // and a long generation never fails at its end for a reason known at its start.
        OutputTarget.checkFile("out", out, ".png");
        if (saveSteps != null) OutputTarget.checkFolder("save-steps", saveSteps);
        GenerationPng.Read stored = fromPng != null ? GenerationPng.read(fromPng) : null;
        GenerationRequest base = stored != null ? stored.request() : null;
        if (base == null && (prompt == null)) {
            throw new InvalidRequestException("prompt: none given; expected --prompt TEXT (or --from-png FILE)");
        }
        PreviewKind previewKind = parsePreview(preview);
        if (base != null) ignoredStoredImages(base).ifPresent(notice -> err.println("notice: " + SafeText.line(notice)));
        // Another tool's image-to-image strength applies only to an init image given here.
        if (stored != null && stored.fromAPicture() && init == null) {
            stored = stored.alsoIgnoring("Denoising strength (it applies to an init picture; give --init IMG to use it)");
        }
        if (stored != null) stored.notice(fromPng).ifPresent(notice -> err.println("notice: " + SafeText.line(notice)));
        List<ControlUnit> units = new ArrayList<>();
        for (int i = 0; i < controls.size(); i++) {
            ControlUnit storedUnit = base != null && i < base.controls().size() ? base.controls().get(i) : null;
            units.add(controls.get(i).unit(i + 1, storedUnit));
        }
        if (base != null && !base.controls().isEmpty() && units.isEmpty()) {
            err.println("notice: " + SafeText.line(fromPng + " was made with " + base.controls().size() + " ControlNet(s); stored paths "
                    + "are never read: give --control IMG --control-model DIR to use them"));
        }
        List<BufferedImage> controlPictures = new ArrayList<>();
        for (int i = 0; i < controls.size(); i++) {
            try {
                controlPictures.add(Images.read(controls.get(i).image));
            } catch (dev.emergence.engine.image.ImageException e) {
                throw new dev.emergence.engine.image.ImageException("control " + (i + 1) + " (--control): " + e.getMessage(), e);
            }
        }
        BufferedImage initImage = init != null ? Images.read(init) : null;
        BufferedImage maskImage = mask != null ? Images.read(mask) : null;
        if (maskImage != null && initImage == null) {
            throw new InvalidRequestException("mask: inpainting needs --init IMG, the picture to repaint");
        }

        // Check the prompts' lengths and the numbers now (given, else the PNG's), so a typo fails before the (slower) model load.
        if (initImage != null && base == null) checkInitSize(initImage);
        checkSide("width", width);
        checkSide("height", height);
        if (scheduler != null && SchedulerKind.parse(scheduler).isEmpty()) {
            throw new InvalidRequestException("scheduler: '" + scheduler + "' is unknown; expected one of " + SchedulerKind.cliNames());
        }
        ScheduleType askedSchedule = ScheduleOption.parse(schedule);
        VaeTiling.Mode tiling = vaeTilingFor(base);
        // The sampler is known now when given or stored; else the model's family picks it (which takes automatic).
        SchedulerKind knownKind = scheduler != null ? SchedulerKind.parse(scheduler).get() : base != null ? base.scheduler() : SchedulerKind.EULER;
        new GenerationRequest(prompt != null ? prompt : base.prompt(),
                negative != null ? negative : base != null ? base.negativePrompt() : "",
                width != null ? width : base != null ? base.width() : 64,
                height != null ? height : base != null ? base.height() : 64,
                steps != null ? steps : base != null ? base.steps() : 1,
                cfg != null ? cfg : base != null ? base.cfgScale() : 0, 0, knownKind,
                scheduler != null || base != null ? scheduleFor(base, askedSchedule) : ScheduleType.AUTOMATIC,
                strength != null ? strength : base != null ? base.strength() : 1,
                feather != null ? feather : base != null ? base.maskFeatherPixels() : 0,
                null, null, null, clipSkip != null ? clipSkip : base != null ? base.clipSkip() : null, units).validate();

        // LoRAs are found and their files checked before the model loads, so a typo fails fast.
        LoraLibrary library = new LoraLibrary(ModelLibrary.openDefault().lorasFolder());
        String promptText = prompt != null ? prompt : base.prompt();
        PromptLoras tagged = PromptLoras.of(promptText, library);
        tagged.missing().forEach(line -> err.println("notice: " + SafeText.line(line)));
        List<LoraWeight> flagged = new ArrayList<>();
        for (String value : loras) flagged.add(loraOption(value, library));
        List<LoraWeight> wanted = new ArrayList<>(tagged.loras());
        wanted.addAll(flagged);
        for (LoraWeight w : wanted) LoraFile.open(w.file(), w.name()).close();
        // A picture records --lora as the tags AUTOMATIC1111 writes, so --from-png applies them again.
        StringBuilder storedPrompt = new StringBuilder(promptText);
        for (LoraWeight w : flagged) storedPrompt.append(storedPrompt.length() == 0 ? "" : " ").append("<lora:").append(w.name()).append(':').append(number(w.weight())).append('>');

        Path modelDir = ModelArgument.resolve(model);
        long loadStart = System.nanoTime();
        try (LoadedModel m = LoadedModel.open(modelDir, device.toOptions())) {
            ModelInfo info = m.info();
            if (!quiet) {
                err.println(SafeText.line(String.format(Locale.ROOT, "model %s (%s%s) on %s, loaded in %.1f s", info.name(), info.family(),
                        info.inpainting() ? ", inpainting" : "", m.device(), (System.nanoTime() - loadStart) / 1e9)));
            }
            if (!wanted.isEmpty()) {
                long mergeStart = System.nanoTime();
                LoraChange change = m.applyLoras(wanted, LoraMerger.Progress.NONE, new CancellationToken());
                change.notices().forEach(line -> err.println("notice: " + SafeText.line(line)));
                if (!quiet) {
                    err.println(SafeText.line(String.format(Locale.ROOT, "LoRAs %s merged into %s in %.1f s",
                            String.join(", ", wanted.stream().map(w -> w.name() + " (" + number(w.weight()) + ")").toList()),
                            String.join(", ", change.rebuilt().stream().sorted().map(LoraTarget::folderName).toList()),
                            (System.nanoTime() - mergeStart) / 1e9)));
                }
            }
            GenerationRequest req = resolve(base, m, initImage, maskImage, init, mask, storedPrompt.toString()).withControls(units).withVaeTiling(tiling);
            if (!quiet && seed == null && (base == null)) err.println("seed " + req.seed());

            StepListener listener = StepListener.NONE;
            if (saveSteps != null || !quiet) {
                if (saveSteps != null) Files.createDirectories(saveSteps);
                SchedulerKind kind = req.scheduler();
                listener = snapshot -> {
                    if (!quiet) err.println(progressLine(snapshot, kind));
                    if (saveSteps != null) saveStep(m, snapshot.stepIndex(), snapshot.latent(), snapshot.x0(), previewKind);
                };
            }
            GenerationResult result = units.isEmpty()
                    ? m.pipeline().generate(req, initImage, maskImage, listener, new CancellationToken())
                    : m.pipeline().generate(req, initImage, maskImage, m.controlInputs(req, controlPictures), listener, new CancellationToken());
            for (String notice : result.notices()) err.println("notice: " + SafeText.line(notice));
            GenerationPng.save(out, result.image(), result.request(), result.mode(), PromptLoras.hashes(wanted));
            System.out.println(SafeText.line(out + " (seed " + result.request().seed() + ")"));
        }
        return ExitCodes.OK;
    }

    /**
     * A PNG's request may name the init image and mask it was made from: paths on someone else's
     * machine, or anywhere on this one. A picture must not choose which of the user's files are read,
     * so they are never opened; the user is told which were ignored and how to give them.
     */
    Optional<String> ignoredStoredImages(GenerationRequest base) {
        List<String> ignored = new ArrayList<>();
        List<String> how = new ArrayList<>();
        if (base.initImage() != null && init == null) {
            ignored.add("init image '" + base.initImage() + "'");
            how.add("--init FILE");
        }
        if (base.maskImage() != null && mask == null) {
            ignored.add("mask '" + base.maskImage() + "'");
            how.add("--mask FILE");
        }
        if (ignored.isEmpty()) return Optional.empty();
        return Optional.of(fromPng + " names the " + String.join(" and the ", ignored) + " it was made from; stored paths are"
                + " never read (a picture does not choose which files are opened): give " + String.join(" and ", how)
                + " to use them");
    }

    private static void checkSide(String option, Integer pixels) throws InvalidRequestException {
        if (pixels != null && (pixels < 1 || pixels > GenerationRequest.MAX_SIDE)) {
            throw new InvalidRequestException(option + ": " + pixels + " is out of range; expected 1 to "
                    + GenerationRequest.MAX_SIDE + " pixels (sizes are rounded down to a multiple of 64)");
        }
    }

    /** Without --width/--height the picture takes the init image's size, which must be one the engine generates. */
    private void checkInitSize(BufferedImage initImage) throws InvalidRequestException {
        int w = width != null ? width : initImage.getWidth(), h = height != null ? height : initImage.getHeight();
        if (w > GenerationRequest.MAX_SIDE || h > GenerationRequest.MAX_SIDE) {
            throw new InvalidRequestException("size: the init image " + init + " is " + initImage.getWidth() + "x" + initImage.getHeight()
                    + ", more than " + GenerationRequest.MAX_SIDE + " pixels a side; give --width and --height (at most "
                    + GenerationRequest.MAX_SIDE + ") to generate at a size it is resized to");
        }
    }

    /**
     * "step 1/21 (PLMS: 20 steps + 1 warm-up) t=... sigma=... it/s": the count is UNet evaluations,
     * which PNDM's warm-up makes one (or more) larger than the steps asked for; the note says so.
     */
    static String progressLine(StepSnapshot snapshot, SchedulerKind scheduler) {
        double secs = snapshot.elapsed().toNanos() / 1e9;
        return String.format(Locale.ROOT, "step %d/%d%s  t=%.0f  sigma=%.3f  %.2f it/s", snapshot.stepIndex() + 1,
                snapshot.stepCount(), snapshot.warmUpNote(scheduler), snapshot.timestep(), snapshot.sigma(), (snapshot.stepIndex() + 1) / secs);
    }

    /**
     * A --lora value: NAME_OR_PATH, or NAME_OR_PATH:WEIGHT when what follows the last ':' is a number
     * (so a Windows path "C:\\loras\\ink.safetensors" stays a path). An existing file is used where it is; anything
     * else is a name in the loras folder.
     */
    static LoraWeight loraOption(String value, LoraLibrary library) throws InvalidRequestException {
        String target = value;
        double weight = 1;
        int colon = value.lastIndexOf(':');
        if (colon > 0) {
            try {
                weight = Double.parseDouble(value.substring(colon + 1).strip());
                target = value.substring(0, colon);
            } catch (NumberFormatException e) {
                // no weight: the ':' belongs to the name or path
            }
        }
        if (!Double.isFinite(weight)) throw new InvalidRequestException("lora: '" + value + "' has weight " + weight + "; expected a finite number");
        Optional<Path> file = Optional.empty();
        try {
            Path p = Path.of(target);
            if (Files.isRegularFile(p)) file = Optional.of(p);
        } catch (java.nio.file.InvalidPathException e) {
            // not a path: a name
        }
        if (file.isPresent()) {
            String stem = file.get().getFileName().toString();
            if (stem.toLowerCase(Locale.ROOT).endsWith(LoraLibrary.EXTENSION)) stem = stem.substring(0, stem.length() - LoraLibrary.EXTENSION.length());
            return new LoraWeight(file.get(), stem, weight);
        }
        Optional<Path> named = library.find(target);
        if (named.isEmpty()) {
            throw new InvalidRequestException("lora: '" + target + "' is neither a file nor a LoRA in the loras folder " + library.folder()
                    + "; expected NAME_OR_PATH[:WEIGHT]");
        }
        return new LoraWeight(named.get(), target, weight);
    }

    /** 0.8, 1, -0.25: as a prompt writes a weight. */
    private static String number(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private GenerationRequest resolve(GenerationRequest base, LoadedModel m, BufferedImage initImage, BufferedImage maskImage,
                                      Path initPath, Path maskPath, String promptText) throws InvalidRequestException {
        ModelInfo info = m.info();
        SchedulerKind kind;
        if (scheduler != null) {
            kind = SchedulerKind.parse(scheduler).orElseThrow(() -> new InvalidRequestException(
                    "scheduler: '" + scheduler + "' is unknown; expected one of " + SchedulerKind.cliNames()));
        } else {
            kind = base != null ? base.scheduler() : m.familyScheduler();
        }
        boolean inpaint = maskImage != null;
        int w = width != null ? width : base != null ? base.width() : initImage != null ? initImage.getWidth() : info.nativeSampleSize();
        int h = height != null ? height : base != null ? base.height() : initImage != null ? initImage.getHeight() : info.nativeSampleSize();
        double defStrength = inpaint ? 1.0 : GenerationRequest.DEFAULT_STRENGTH;
        GenerationRequest r = new GenerationRequest(
                promptText,
                negative != null ? negative : base != null ? base.negativePrompt() : "",
                w, h,
                steps != null ? steps : base != null ? base.steps() : m.family().defaultSteps(),
                cfg != null ? cfg : base != null ? base.cfgScale() : m.family().defaultCfg(),
                seed != null ? seed : base != null ? base.seed() : TorchGenerator.randomSeed(),
                kind, scheduleFor(base, ScheduleOption.parse(schedule)),
                strength != null ? strength : base != null && initImage != null ? base.strength() : defStrength,
                feather != null ? feather : base != null ? base.maskFeatherPixels() : inpaint ? 8.0 : 0.0,
                // Recorded for the user's information only: --from-png never reads them back.
                initPath != null ? initPath.toAbsolutePath().toString() : null,
                maskPath != null ? maskPath.toAbsolutePath().toString() : null,
                info.name(),
                clipSkip != null ? clipSkip : base != null ? base.clipSkip() : null);
        r.validate();
        return r;
    }

    /** --vae-tiling when given; else the PNG's; else auto. */
    private VaeTiling.Mode vaeTilingFor(GenerationRequest base) throws InvalidRequestException {
        if (vaeTiling == null) return base != null ? base.vaeTilingOrDefault() : VaeTiling.Mode.AUTO;
        return VaeTiling.Mode.parse(vaeTiling).orElseThrow(() -> new InvalidRequestException("vae-tiling: '"
                + vaeTiling + "' is unknown; expected one of " + VaeTiling.Mode.cliNames()));
    }

    /** --schedule when given; else the PNG's, unless --scheduler picks another sampler; else automatic. */
    private ScheduleType scheduleFor(GenerationRequest base, ScheduleType asked) {
        if (asked != null) return asked;
        return base != null && scheduler == null ? base.schedule() : ScheduleType.AUTOMATIC;
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
