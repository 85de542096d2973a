package dev.emergence.engine.cli;

import dev.emergence.engine.text.SafeText;
import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.model.OnnxModel;
import dev.emergence.engine.model.OneShotPart;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.runtime.GraphCache;
import dev.emergence.engine.pipeline.CancellationToken;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.pipeline.LoadedModel;
import dev.emergence.engine.pipeline.PreviewKind;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.tensor.Tensor;
import dev.emergence.engine.family.Conditioner;
import dev.emergence.engine.family.Conditioning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time each stage of a guided txt2img generation and the engine's per-step overhead.",
                "Timings are medians over repeats, after a warm-up. The overhead is measured interleaved: after every step"
                        + " through the engine, one bare ONNX Runtime run of the same UNet call (same batch, timestep and text"
                        + " states); the ratio is the median of the step/run pairs, with its quartiles."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR|NAME",
            description = "The model folder, or the name of a library model ('models list'); default: the embedded model.")
    String model;

    @Option(names = "--steps", defaultValue = "10", paramLabel = "N", description = "Denoising steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--size", paramLabel = "WxH",
            description = "Picture size, at most " + GenerationRequest.MAX_SIDE + " pixels a side (default: the model's native size).")
    String size;

    @Option(names = "--scheduler", paramLabel = "NAME",
            description = "The sampler: ddim, pndm, lms, euler, euler_a, dpmpp_2m or lcm (dpmpp_2m_karras is dpmpp_2m with --schedule karras)."
                    + " Default: the one the model's family runs with.")
    String scheduler;

    @Option(names = "--schedule", paramLabel = "TYPE", description = ScheduleOption.HELP + " Default: automatic.")
    String schedule;

    @Option(names = "--repeats", defaultValue = "5", paramLabel = "N", description = "Repeats for the single-stage timings. Default: ${DEFAULT-VALUE}.")
    int repeats;

    @Option(names = "--json", description = "Print the numbers as JSON.") boolean json;

    @Option(names = "--skip-vae-2048", description = "Leave out the 2048x2048 VAE decode, tiled and untiled (a minute or more on CPU at SD scale).")
    boolean skipVae2048;

    @Mixin DeviceOptions device;

    private static final String PROMPT = "a small red circle at the top left on a blue background";

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || steps > GenerationRequest.MAX_STEPS) {
            throw new InvalidRequestException("steps: " + steps + " is out of range; expected 1 to " + GenerationRequest.MAX_STEPS);
        }
        if (repeats < 1) throw new InvalidRequestException("repeats: " + repeats + " is out of range; expected 1 or more");
        var asked = scheduler == null ? null : dev.emergence.engine.scheduler.SchedulerKind.parse(scheduler).orElseThrow(() -> new InvalidRequestException(
                "scheduler: '" + scheduler + "' is unknown; expected one of " + dev.emergence.engine.scheduler.SchedulerKind.cliNames()));
        var askedSchedule = ScheduleOption.parse(schedule);
        if (asked != null && askedSchedule != null) {
            new GenerationRequest("", "", 64, 64, steps, 7.5, 0, asked, askedSchedule, 1.0, 0, null, null, null).validate();
        }
        if (size != null) {
            int[] wh = parseSize(size, 0);
            new GenerationRequest("", "", wh[0], wh[1], steps, 7.5, 0, dev.emergence.engine.scheduler.SchedulerKind.EULER,
                    1.0, 0, null, null, null).validate();
        }
        Path dir = ModelArgument.resolve(model);
        ExecutionOptions exec = device.toOptions();
        // The loads are timed against a graph cache of their own, empty at first, so "first" is a first
        // load whatever the user's cache holds, and the user's cache is left as it was.
        Path benchCache = exec.graphCache().enabled() ? Files.createTempDirectory(benchCacheParent(exec), "bench-") : null;
        try {
            if (benchCache != null) exec = exec.withGraphCache(GraphCache.in(benchCache));
            return run(dir, exec, asked, askedSchedule);
        } finally {
            if (benchCache != null) deleteTree(benchCache);
        }
    }

    private Integer run(Path dir, ExecutionOptions exec, dev.emergence.engine.scheduler.SchedulerKind asked,
                        dev.emergence.engine.scheduler.ScheduleType askedSchedule) throws Exception {
        long l0 = System.nanoTime();
        String firstSource;
        try (LoadedModel first = LoadedModel.open(dir, exec)) {
            firstSource = first.bundle().unetGraphSource();
        }
        long loadFirstNanos = System.nanoTime() - l0;
        // The first load's own peak, then the bare session's counted apart (each where the peak can be reset).
        Optional<Long> firstLoadPeakMiB = PeakMemory.residentMiB();
        boolean bareApart = PeakMemory.reset();
        Path unet = dir.toAbsolutePath().normalize().resolve("unet").resolve("model.onnx");
        long bareUnetNanos = OnnxModel.timeBareSession(unet, "unet/model.onnx", exec, unet.getParent().getParent());
        Optional<Long> bareUnetPeakMiB = bareApart ? PeakMemory.residentMiB() : Optional.empty();
        Optional<Long> loadPeakMiB = withLoadPeak(PeakMemory.residentMiB(), bareApart ? firstLoadPeakMiB : Optional.empty());
        // From here the peak is what a start with a filled graph cache reaches (the first load's cache writing left out).
        boolean peakReset = PeakMemory.reset();
        long l1 = System.nanoTime();
        try (LoadedModel m = LoadedModel.open(dir, exec)) {
            long loadNanos = System.nanoTime() - l1;
            ModelInfo info = m.info();
            int[] wh = parseSize(size, info.nativeSampleSize());
            var kind = asked != null ? asked : m.familyScheduler();
            GenerationRequest req = new GenerationRequest(PROMPT, "blurry", wh[0], wh[1], steps, m.family().defaultCfg(), 1234, kind,
                    askedSchedule, 1.0, 0, null, null, info.name());
            req.validate();

            // The bare run's inputs: the batch the engine's steps run (two halves when guided, one for
            // Turbo and LCM), at the request's size.
            Conditioning benchCond = m.conditioner().condition(new Conditioner.TextRequest(PROMPT, "blurry", req.cfgScale(),
                    req.width(), req.height()));
            int batch = benchCond.encoderHiddenStates().dim(0);
            int multiple = m.pipeline().sizeMultiple();
            int runW = req.width() / multiple * multiple, runH = req.height() / multiple * multiple;
            Tensor sample = new TorchGenerator(7).randn(batch, info.unetInChannels(), runH / info.vaeScaleFactor(), runW / info.vaeScaleFactor());
            // Interleaved: after each engine step, one bare run at the step's timestep, so both see the
            // same machine state (caches, clock, other load) and their ratio is paired step by step.
            Interleaved pairs = new Interleaved(m, sample, benchCond, peakReset ? loadPeakMiB : Optional.empty());

            // Warm-up with the same request and the same interleaving: first runs allocate arenas, pick
            // kernels and let the JIT compile.
            m.pipeline().generate(req.withSeed(1), null, null, pairs, new CancellationToken());
            pairs.clear();
            // The one-shot sessions the timed generation opened again after the warm-up released them.
            long reopen0 = m.bundle().oneShotReopenNanos();
            int opens0 = oneShotOpens(m);
            GenerationResult r = m.pipeline().generate(req, null, null, pairs, new CancellationToken());
            long reopenNanos = m.bundle().oneShotReopenNanos() - reopen0;
            int reopens = oneShotOpens(m) - opens0;
            pairs.check();
            // Before the single-stage timings, which also open and run the VAE encoder that txt2img never uses.
            Optional<Long> cachedTxt2imgPeakMiB = peakReset ? PeakMemory.residentMiB() : Optional.empty();
            Optional<Long> txt2imgPeakMiB = withLoadPeak(PeakMemory.residentMiB(), peakReset ? loadPeakMiB : Optional.empty());
            int width = r.request().width(), height = r.request().height();

            long[] tokenize = time(repeats * 20, () -> m.tokenizer().tokenize(PROMPT, 1));
            Conditioning[] cond = new Conditioning[1];
            Conditioner.TextRequest text = new Conditioner.TextRequest(PROMPT, "blurry", req.cfgScale(), width, height);
            long[] textEncode = time(repeats, () -> cond[0] = m.conditioner().condition(text));

            Tensor latent = r.finalLatent();
            long[] latentRgb = time(repeats * 10, () -> m.preview(latent, PreviewKind.LATENT_RGB));
            long[] tiny = info.hasPreviewDecoder() ? time(repeats, () -> m.preview(latent, PreviewKind.TINY_DECODER)) : null;
            long[] vae = time(repeats, () -> m.preview(latent, PreviewKind.FULL_VAE));

            long[] encode = null;
            if (info.hasImageEncoder()) {
                Tensor pixels = new TorchGenerator(9).randn(1, 3, height, width);
                var encoder = m.bundle().imageEncoder();
                encode = time(repeats, () -> encoder.encode(pixels, new TorchGenerator(1)));
            }

            long[] stepNanos = r.timings().stepNanos();
            long[] raw = pairs.rawNanos();
            double[] ratios = new double[stepNanos.length];
            for (int i = 0; i < ratios.length; i++) ratios[i] = stepNanos[i] / (double) raw[i];
            double stepMedian = median(stepNanos);
            double schedulerPerStep = r.timings().schedulerNanos() / (double) stepNanos.length;
            double rawMedian = median(raw);

            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", info.name());
            out.put("device", m.device().toString());
            out.put("size", width + "x" + height);
            out.put("steps", r.timings().stepNanos().length);
            out.put("scheduler", r.request().scheduler().cliName());
            out.put("schedule", r.request().schedule().cliName());
            out.put("load_ms", ms(loadNanos));
            out.put("load_first_ms", ms(loadFirstNanos));
            out.put("load_cached_ms", ms(loadNanos));
            out.put("bare_unet_session_ms", ms(bareUnetNanos));
            out.put("load_cached_vs_bare_unet_ratio", round(loadNanos / (double) bareUnetNanos, 3));
            out.put("graph_cache_first", firstSource);
            out.put("graph_cache_cached", m.bundle().unetGraphSource());
            out.put("release_one_shot", m.bundle().releasesOneShotSessions());
            out.put("one_shot_reopens", reopens);
            out.put("one_shot_reopen_ms", ms(reopenNanos));
            out.put("tokenize_ms", ms(median(tokenize)));
            out.put("text_encode_ms", ms(median(textEncode)));
            out.put("unet_step_median_ms", ms(stepMedian));
            out.put("scheduler_and_guidance_per_step_ms", ms(schedulerPerStep));
            out.put("preview_latent_rgb_ms", ms(median(latentRgb)));
            if (tiny != null) out.put("preview_tiny_decoder_ms", ms(median(tiny)));
            out.put("vae_decode_ms", ms(median(vae)));
            if (encode != null) out.put("vae_encode_ms", ms(median(encode)));
            out.put("raw_unet_run_median_ms", ms(rawMedian));
            out.put("step_overhead_ratio", round(quantile(ratios, 0.5), 3));
            out.put("step_overhead_ratio_p25", round(quantile(ratios, 0.25), 3));
            out.put("step_overhead_ratio_p75", round(quantile(ratios, 0.75), 3));
            firstLoadPeakMiB.ifPresent(mib -> out.put("peak_rss_first_load_mib", mib));
            bareUnetPeakMiB.ifPresent(mib -> out.put("peak_rss_bare_unet_session_mib", mib));
            loadPeakMiB.ifPresent(mib -> out.put("peak_rss_load_mib", mib));
            pairs.denoisingPeakMiB.ifPresent(mib -> out.put("peak_rss_denoising_mib", mib));
            txt2imgPeakMiB.ifPresent(mib -> out.put("peak_rss_txt2img_mib", mib));
            pairs.cachedDenoisingPeakMiB.ifPresent(mib -> out.put("peak_rss_cached_denoising_mib", mib));
            cachedTxt2imgPeakMiB.ifPresent(mib -> out.put("peak_rss_cached_txt2img_mib", mib));
            withLoadPeak(PeakMemory.residentMiB(), peakReset ? loadPeakMiB : Optional.empty()).ifPresent(mib -> out.put("peak_rss_mib", mib));
            // Last: it starts the peak over for each of its decodes.
            if (!skipVae2048) out.putAll(VaeDecodeBench.measure(m.bundle()));
            out.put("total_generation_ms", ms(Arrays.stream(r.timings().stepNanos()).sum() + r.timings().decodeNanos()
                    + r.timings().textEncodeNanos() + r.timings().tokenizeNanos()));
            if (json) {
                System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(out));
            } else {
                for (Map.Entry<String, Object> e : out.entrySet()) {
                    System.out.println(SafeText.line(String.format(Locale.ROOT, "%-36s %s", e.getKey(), e.getValue())));
                }
                System.out.println("(step_overhead_ratio = median over the steps of (step through the engine / the bare OrtSession.run"
                        + " of the same UNet call run right after it), with its quartiles; batch 2 when guided, 1 for Turbo and LCM;"
                        + " peak_rss_mib = the process's peak resident memory, JVM included; peak_rss_txt2img_mib = the same"
                        + " after the two txt2img generations, before the single-stage timings; peak_rss_load_mib the same after"
                        + " the first load and the bare UNet session, peak_rss_denoising_mib after the last UNet step, before the"
                        + " VAE decode; peak_rss_first_load_mib the peak of the first load alone, peak_rss_bare_unet_session_mib"
                        + " that of the bare UNet session after it; peak_rss_cached_txt2img_mib and peak_rss_cached_denoising_mib the same counted from after"
                        + " the first load (a start with a filled graph cache); one_shot_reopen_ms = opening the one-shot sessions"
                        + " (text encoders, VAE) again in the timed generation after the warm-up released them;"
                        + " load_first_ms = loading with an empty graph cache, which"
                        + " it fills, load_cached_ms = the load after it (the model benchmarked), bare_unet_session_ms = ONNX Runtime's"
                        + " session of unet/model.onnx alone, uncached; vae_decode_2048_* = one 2048x2048 decode in tiles and one"
                        + " whole, each timed and with the process's peak resident memory during it, started over just before it)");
            }
        }
        return ExitCodes.OK;
    }

    /** The peak since the reset, or the first load's when that was higher (the whole run's peak). */
    private static Optional<Long> withLoadPeak(Optional<Long> sinceReset, Optional<Long> loadPeak) {
        if (sinceReset.isEmpty() || loadPeak.isEmpty()) return sinceReset;
        return Optional.of(Math.max(sinceReset.get(), loadPeak.get()));
    }

    private static int oneShotOpens(LoadedModel m) {
        int n = 0;
        for (OneShotPart p : OneShotPart.values()) n += m.bundle().sessionOpens(p);
        return n;
    }

    /** Beside the user's graph cache (same disk), since an SD 1.5 UNet's optimised graph takes gigabytes. */
    private static Path benchCacheParent(ExecutionOptions exec) throws java.io.IOException {
        Path parent = exec.graphCache().folder().getParent();
        return Files.createDirectories(parent == null ? exec.graphCache().folder() : parent);
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println(SafeText.line("bench: could not remove its temporary graph cache " + dir + ": " + e.getMessage()));
        }
    }

    /** After every engine step, one bare UNet run of the same call; their times, paired by step. */
    private static final class Interleaved implements StepListener {
        private final LoadedModel model;
        private final Tensor sample;
        private final Conditioning cond;
        private final java.util.List<Long> raw = new java.util.ArrayList<>();
        private final Optional<Long> loadPeakMiB;
        private Optional<Long> denoisingPeakMiB = Optional.empty();
        private Optional<Long> cachedDenoisingPeakMiB = Optional.empty();
        private Exception failure;

        /** @param loadPeakMiB the first load's peak when the peak was reset after it, else empty */
        Interleaved(LoadedModel model, Tensor sample, Conditioning cond, Optional<Long> loadPeakMiB) {
            this.model = model;
            this.sample = sample;
            this.cond = cond;
            this.loadPeakMiB = loadPeakMiB;
        }

        @Override
        public void onStep(dev.emergence.engine.pipeline.StepSnapshot s) {
            // After the warm-up generation's last step, before its VAE decode: the peak of loading, text encoding and denoising.
            if (s.stepIndex() + 1 == s.stepCount() && denoisingPeakMiB.isEmpty()) {
                Optional<Long> now = PeakMemory.residentMiB();
                if (loadPeakMiB.isPresent()) cachedDenoisingPeakMiB = now;
                denoisingPeakMiB = withLoadPeak(now, loadPeakMiB);
            }
            if (failure != null) return;
            try {
                // The last step's bare run gives back the UNet's arena as the engine's last step did, before the decode.
                boolean last = s.stepIndex() + 1 == s.stepCount();
                if (!model.info().unetBatchFixed() || sample.dim(0) == 1) {
                    raw.add(model.bundle().timeRawUnetRuns(sample, s.timestep(), cond.encoderHiddenStates(), cond.extraInputs(), 1, last)[0]);
                    return;
                }
                // A UNet exported with a fixed batch of 1 is run a half at a time, by the engine as here.
                long sum = 0;
                for (int b = 0; b < sample.dim(0); b++) {
                    Map<String, Tensor> extras = new LinkedHashMap<>();
                    for (Map.Entry<String, Tensor> e : cond.extraInputs().entrySet()) extras.put(e.getKey(), e.getValue().batchItem(b));
                    sum += model.bundle().timeRawUnetRuns(sample.batchItem(b), s.timestep(), cond.encoderHiddenStates().batchItem(b),
                            extras, 1, last && b + 1 == sample.dim(0))[0];
                }
                raw.add(sum);
            } catch (Exception e) {
                failure = e;
            }
        }

        void clear() {
            raw.clear();
        }

        void check() throws Exception {
            if (failure != null) throw failure;
        }

        long[] rawNanos() {
            return raw.stream().mapToLong(Long::longValue).toArray();
        }
    }

    /** The q-quantile by linear interpolation between order statistics (numpy's default). */
    static double quantile(double[] values, double q) {
        double[] v = values.clone();
        Arrays.sort(v);
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }

    interface Stage {
        void run() throws Exception;
    }

    private static long[] time(int n, Stage stage) throws Exception {
        stage.run(); // warm
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            stage.run();
            t[i] = System.nanoTime() - t0;
        }
        return t;
    }

    static double median(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }

    private static double ms(double nanos) { return round(nanos / 1e6, 3); }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    static int[] parseSize(String text, int nativeSize) throws InvalidRequestException {
        if (text == null) return new int[] {nativeSize, nativeSize};
        String[] p = text.toLowerCase(Locale.ROOT).split("x");
        try {
            if (p.length == 2) return new int[] {Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim())};
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidRequestException("size: '" + text + "' is not a size; expected WxH such as 512x512");
    }
}
