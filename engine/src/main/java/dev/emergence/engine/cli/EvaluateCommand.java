package dev.emergence.engine.cli;

import dev.emergence.engine.text.SafeText;
import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.eval.ContactSheet;
import dev.emergence.engine.eval.HeldOutScenes;
import dev.emergence.engine.eval.SceneScorer;
import dev.emergence.engine.eval.SeamMeasure;
import dev.emergence.engine.eval.ShapeConfusion;
import dev.emergence.engine.io.AtomicFiles;
import dev.emergence.engine.pipeline.CancellationToken;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.pipeline.LoadedModel;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.scheduler.SchedulerKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Generate every held-out caption of a scene file with fixed seeds and score the pictures automatically.",
                "It scores the background colour, each named object's colour in its named region, its shape (the largest blob "
                        + "of its colour against the five silhouettes), and seed determinism, at one or several sizes."})
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR|NAME",
            description = "The model folder, or the name of a library model ('models list'); default: the embedded model.")
    String model;

    @Option(names = "--heldout", paramLabel = "FILE", description = "Scene file (default: heldout.json beside the model's recipe, assets/recipe/heldout.json).")
    Path heldout;

    @Option(names = "--seeds", defaultValue = "1", split = ",", paramLabel = "SEED",
            description = "Seeds to generate each caption with, separated by commas. Default: ${DEFAULT-VALUE}.")
    long[] seeds;

    @Option(names = "--steps", defaultValue = "20", paramLabel = "N", description = "Denoising steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--cfg", defaultValue = "7.5", paramLabel = "SCALE",
            description = "Classifier-free guidance scale. Default: ${DEFAULT-VALUE}.")
    double cfg;

    @Option(names = "--scheduler", defaultValue = "ddim", paramLabel = "NAME",
            description = "ddim, pndm, lms, euler, euler_a, dpmpp_2m, dpmpp_2m_karras or lcm. Default: ${DEFAULT-VALUE}.")
    String scheduler;

    @Option(names = "--size", split = ",", paramLabel = "WxH",
            description = {"Picture sizes to evaluate, separated by commas, e.g. 128x128,192x128,128x192,256x256; "
                    + "each gets its own scores. Default: the model's native size."})
    String[] sizes;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N scenes (0 = all).") int limit;

    @Option(names = "--out", paramLabel = "DIR", description = "Write every picture (with its parameters) here.") Path out;

    @Option(names = "--contact-sheet", paramLabel = "FILE.png", description = "Write a grid of captions and pictures.") Path contactSheet;

    @Option(names = "--json", description = "Print the summary as JSON.") boolean json;

    @Option(names = "--seam", description = {"Also inpaint the centre of each native-size picture (the middle five eighths of each side, "
            + "feather " + SEAM_FEATHER + ", the next seed) with a new object there, a small one (clear of the seam's ramp) of the scene's first shape in a colour "
            + "the scene does not use, on the same background, and measure the seam: the colour step across the feathered edge "
            + "against the picture's own variation near it."}) boolean seam;

    static final int SEAM_FEATHER = 8;

    @Mixin DeviceOptions device;

    @Override
    public Integer call() throws Exception {
        SchedulerKind kind = SchedulerKind.parse(scheduler).orElseThrow(() -> new InvalidRequestException(
                "scheduler: '" + scheduler + "' is unknown; expected one of " + SchedulerKind.cliNames()));
        if (out != null) OutputTarget.checkFolder("out", out);
        if (contactSheet != null) OutputTarget.checkFile("contact-sheet", contactSheet, ".png");
        Path modelDir = ModelArgument.resolve(model);
        Path sceneFile = heldout != null ? heldout : Path.of("assets", "recipe", "heldout.json");
        java.util.Optional<String> unreadable = dev.emergence.engine.io.InputFiles.problem(sceneFile);
        if (unreadable.isPresent()) {
            throw new InvalidRequestException("heldout: " + sceneFile + ": " + unreadable.get()
                    + "; expected the recipe's heldout.json (give --heldout FILE)");
        }
        HeldOutScenes doc = HeldOutScenes.load(sceneFile);
        SceneScorer scorer = new SceneScorer(doc);
        if (out != null) Files.createDirectories(out);
        List<HeldOutScenes.Scene> scenes = limit > 0 ? doc.scenes().subList(0, Math.min(limit, doc.scenes().size())) : doc.scenes();
        List<ContactSheet.Entry> sheet = new ArrayList<>();
        List<Map<String, Object>> tables = new ArrayList<>();
        List<ShapeConfusion> confusions = new ArrayList<>();
        try (LoadedModel m = LoadedModel.open(modelDir, device.toOptions())) {
            int nativeSize = m.info().nativeSampleSize();
            List<int[]> wanted = new ArrayList<>();
            if (sizes == null || sizes.length == 0) wanted.add(new int[] {nativeSize, nativeSize});
            else for (String text : sizes) wanted.add(BenchCommand.parseSize(text, nativeSize));
            for (int[] wh : wanted) {
                int width = wh[0], height = wh[1];
                new GenerationRequest(scenes.get(0).caption(), "", width, height, steps, cfg, 1, kind, 1.0, 0, null, null,
                        m.info().name()).validate();
            }
            for (int[] wh : wanted) {
                int width = wh[0], height = wh[1];
                String suffix = wanted.size() > 1 || width != nativeSize || height != nativeSize ? "-" + width + "x" + height : "";
                int pictures = 0, backgroundOk = 0, objects = 0, objectsOk = 0, shapesOk = 0, picturesOk = 0, seams = 0, seamsWithin = 0;
                double seamStep = 0, seamVariation = 0;
                ShapeConfusion confusion = new ShapeConfusion(new ArrayList<>(doc.silhouettes().keySet()));
                boolean measureSeams = seam && width == nativeSize && height == nativeSize;
                for (HeldOutScenes.Scene scene : scenes) {
                    for (long seed : seeds) {
                        GenerationRequest req = new GenerationRequest(scene.caption(), "", width, height, steps, cfg, seed, kind,
                                1.0, 0, null, null, m.info().name());
                        GenerationResult r = m.pipeline().generate(req, null, null, StepListener.NONE, new CancellationToken());
                        SceneScorer.Score s = scorer.score(r.image(), scene);
                        pictures++;
                        if (s.backgroundOk()) backgroundOk++;
                        for (SceneScorer.ObjectScore o : s.objects()) {
                            objects++;
                            if (o.ok()) objectsOk++;
                            if (o.shapeOk()) shapesOk++;
                            confusion.add(o);
                        }
                        if (s.ok()) picturesOk++;
                        System.err.println(SafeText.line(String.format(Locale.ROOT, "%s %dx%d seed %d: %s background %s%s objects %s  | %s",
                                scene.id(), width, height, seed, s.ok() ? "PASS" : "fail", s.backgroundClassified(), s.backgroundOk() ? "" : "!",
                                describe(s.objects()), scene.caption())));
                        if (out != null) {
                            GenerationPng.save(out.resolve(scene.id() + suffix + "-s" + seed + ".png"), r.image(), r.request(), r.mode());
                        }
                        if (seed == seeds[0] && tables.isEmpty()) sheet.add(new ContactSheet.Entry(scene.caption(), r.image()));
                        if (measureSeams && seed == seeds[0]) {
                            SeamMeasure sm = inpaintCentre(m, r.image(), req, centreCaption(doc, scene), scene.id() + suffix);
                            seams++;
                            seamStep += sm.seamStep();
                            seamVariation += sm.localVariation();
                            if (sm.withinLocalVariation()) seamsWithin++;
                            System.err.println(SafeText.line(String.format(Locale.ROOT, "%s %dx%d seam: step %.2f, local variation %.2f%s",
                                    scene.id(), width, height, sm.seamStep(), sm.localVariation(), sm.withinLocalVariation() ? "" : " !")));
                        }
                    }
                }
                Map<String, Object> table = new LinkedHashMap<>();
                table.put("size", width + "x" + height);
                table.put("pictures", pictures);
                table.put("background_ok", ratio(backgroundOk, pictures));
                table.put("objects_ok", ratio(objectsOk, objects));
                table.put("shapes_ok", ratio(shapesOk, objects));
                table.put("pictures_ok", ratio(picturesOk, pictures));
                if (seams > 0) {
                    table.put("seam_step", Math.round(100 * seamStep / seams) / 100.0);
                    table.put("seam_local_variation", Math.round(100 * seamVariation / seams) / 100.0);
                    table.put("seams_within_variation", ratio(seamsWithin, seams));
                }
                if (!doc.silhouettes().isEmpty()) table.put("shape_confusion", confusion.counts());
                tables.add(table);
                confusions.add(confusion);
            }
            // Determinism: the same seed twice gives the same picture, another seed a different one.
            HeldOutScenes.Scene first = scenes.get(0);
            GenerationRequest a = new GenerationRequest(first.caption(), "", nativeSize, nativeSize, steps, cfg, seeds[0], kind, 1.0, 0, null, null, m.info().name());
            BufferedImage p1 = m.pipeline().generate(a, null, null, StepListener.NONE, new CancellationToken()).image();
            BufferedImage p2 = m.pipeline().generate(a, null, null, StepListener.NONE, new CancellationToken()).image();
            BufferedImage p3 = m.pipeline().generate(a.withSeed(seeds[0] + 1000), null, null, StepListener.NONE, new CancellationToken()).image();
            boolean sameSeedSame = samePixels(p1, p2);
            boolean otherSeedDiffers = !samePixels(p1, p3);

            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("model", m.info().name());
            summary.put("scenes", scenes.size());
            summary.put("steps", steps);
            summary.put("scheduler", kind.cliName());
            summary.put("cfg", cfg);
            // The first size's scores at the top level, as before sizes could be listed.
            tables.get(0).forEach((k, v) -> { if (!k.equals("size")) summary.put(k, v); });
            if (tables.size() > 1) summary.put("sizes", tables);
            summary.put("same_seed_same_picture", sameSeedSame);
            summary.put("different_seed_different_picture", otherSeedDiffers);
            if (json) {
                System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
            } else {
                summary.forEach((k, v) -> {
                    if (!k.equals("sizes") && !k.equals("shape_confusion")) {
                        System.out.println(SafeText.line(String.format(Locale.ROOT, "%-34s %s", k, v)));
                    }
                });
                if (tables.size() > 1) {
                    System.out.println(String.format(Locale.ROOT, "%-10s %10s %10s %10s %10s %12s", "size", "background", "placed", "shape",
                            "picture", "seam within"));
                    for (Map<String, Object> t : tables) {
                        Object within = t.get("seams_within_variation");
                        System.out.println(String.format(Locale.ROOT, "%-10s %9.1f%% %9.1f%% %9.1f%% %9.1f%% %12s", t.get("size"),
                                100 * (double) t.get("background_ok"), 100 * (double) t.get("objects_ok"),
                                100 * (double) t.get("shapes_ok"), 100 * (double) t.get("pictures_ok"),
                                within == null ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * (double) within)));
                    }
                }
                if (!doc.silhouettes().isEmpty()) {
                    for (int i = 0; i < tables.size(); i++) {
                        System.out.println("shapes drawn at " + tables.get(i).get("size") + ":");
                        confusions.get(i).table().forEach(line -> System.out.println(SafeText.line(line)));
                    }
                }
            }
            if (contactSheet != null) {
                BufferedImage img = ContactSheet.render(sheet, 6, 128);
                AtomicFiles.write(contactSheet, os -> ImageIO.write(img, "png", os));
            }
        }
        return ExitCodes.OK;
    }

    /**
     * What the seam check paints into the centre: something new, so the repaint cannot simply redraw what was
     * there, on the scene's own background (its caption's closing words), so the seam should not show.
     */
    static String centreCaption(HeldOutScenes doc, HeldOutScenes.Scene scene) {
        String colour = doc.palette().keySet().stream().filter(c -> !c.equals(scene.background())
                && scene.objects().stream().noneMatch(o -> o.colour().equals(c))).findFirst().orElseThrow();
        String shape = scene.objects().isEmpty() || scene.objects().get(0).shape().isEmpty() ? "circle" : scene.objects().get(0).shape();
        int on = scene.caption().lastIndexOf(" on a");
        return "a small " + colour + " " + shape + " in the centre" + (on >= 0 ? scene.caption().substring(on) : "");
    }

    /** Repaints the middle of a generated picture with the caption given and the next seed, and measures the seam. */
    private SeamMeasure inpaintCentre(LoadedModel m, BufferedImage picture, GenerationRequest generated, String caption, String name) throws Exception {
        // The middle five eighths: the ramp (2 x feather inside the edge) stays clear of a small object in the centre and its halo.
        int w = picture.getWidth(), h = picture.getHeight(), x0 = 3 * w / 16, y0 = 3 * h / 16, x1 = 13 * w / 16, y1 = 13 * h / 16;
        BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = mask.createGraphics();
        try {
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(x0, y0, x1 - x0, y1 - y0);
        } finally {
            g.dispose();
        }
        GenerationRequest req = new GenerationRequest(caption, "", w, h, steps, cfg, generated.seed() + 1, generated.scheduler(),
                1.0, SEAM_FEATHER, null, null, m.info().name());
        GenerationResult r = m.pipeline().generate(req, picture, mask, StepListener.NONE, new CancellationToken());
        if (out != null) GenerationPng.save(out.resolve(name + "-s" + generated.seed() + "-seam.png"),
                r.image(), r.request(), r.mode());
        try {
            return SeamMeasure.of(r.image(), x0, y0, x1, y1, SEAM_FEATHER);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("seam: the model's native " + w + "x" + h + " pictures are too small to measure a seam ("
                    + e.getMessage() + "); expected at least 128 pixels a side");
        }
    }

    private static String describe(List<SceneScorer.ObjectScore> objects) {
        StringBuilder b = new StringBuilder();
        for (SceneScorer.ObjectScore o : objects) {
            b.append(o.colour()).append('@').append(o.region().replace(' ', '-')).append(':').append(o.pixels()).append(o.ok() ? "" : "!")
                    .append(' ').append(o.shapeMeasured()).append(o.shapeOk() ? "" : "!").append(' ');
        }
        return b.toString().trim();
    }

    private static double ratio(int a, int b) {
        return b == 0 ? 0 : Math.round(10000.0 * a / b) / 10000.0;
    }

    private static boolean samePixels(BufferedImage a, BufferedImage b) {
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) return false;
            }
        }
        return true;
    }
}
