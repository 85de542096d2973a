package dev.emergence.engine.cli;

import dev.emergence.engine.model.ModelBundle;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.model.VaeTiling;
import dev.emergence.engine.onnx.OnnxGraph;
import dev.emergence.engine.random.TorchGenerator;
import dev.emergence.engine.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * bench's 2048 × 2048 VAE decode, tiled and untiled: the time of one decode each and the process's
 * peak resident memory during it (the peak is started over just before, see {@link PeakMemory#resetPeak}).
 * The untiled decode is skipped when the decoder's attention alone would need more than half the
 * machine's memory (SD's VAE at 2048 pixels: a 65536² float matrix, 16 GiB), since it would be killed.
 */
final class VaeDecodeBench {
    static final int SIDE = 2048;

    private VaeDecodeBench() {
    }

    /** The bench keys, in order; none where the peak cannot be started over (no /proc). */
    static Map<String, Object> measure(ModelBundle bundle) throws ModelException {
        Map<String, Object> out = new LinkedHashMap<>();
        ModelInfo info = bundle.info();
        int side = SIDE / info.vaeScaleFactor();
        Tensor latent = new TorchGenerator(11).randn(1, info.latentChannels(), side, side);
        Optional<Long> attentionMiB = attentionMiB(bundle, side);
        Run tiled = run(bundle, latent, VaeTiling.Mode.ON);
        if (tiled == null) return out;
        out.put("vae_decode_2048_rss_before_mib", tiled.beforeMiB);
        out.put("vae_decode_2048_tiled_ms", tiled.ms);
        out.put("vae_decode_2048_tiled_peak_rss_mib", tiled.peakMiB);
        long physicalMiB = physicalMiB();
        if (attentionMiB.isPresent() && attentionMiB.get() > physicalMiB / 2) {
            out.put("vae_decode_2048_untiled_skipped", "its attention alone needs about " + attentionMiB.get() + " MiB of the machine's "
                    + physicalMiB + " MiB");
            return out;
        }
        Run untiled = run(bundle, latent, VaeTiling.Mode.OFF);
        out.put("vae_decode_2048_untiled_ms", untiled.ms);
        out.put("vae_decode_2048_untiled_peak_rss_mib", untiled.peakMiB);
        // What each decode added to the memory resident before it, and the two compared.
        long addedTiled = Math.max(1, tiled.peakMiB - tiled.beforeMiB), addedUntiled = Math.max(1, untiled.peakMiB - untiled.beforeMiB);
        out.put("vae_decode_2048_untiled_vs_tiled_added_rss_ratio", round(addedUntiled / (double) addedTiled));
        out.put("vae_decode_2048_untiled_vs_tiled_time_ratio", round(untiled.ms / tiled.ms));
        return out;
    }

    private record Run(double ms, long beforeMiB, long peakMiB) {
    }

    private static Run run(ModelBundle bundle, Tensor latent, VaeTiling.Mode mode) throws ModelException {
        System.gc();
        Optional<Long> before = PeakMemory.currentMiB();
        if (before.isEmpty() || !PeakMemory.resetPeak()) return null;
        long t0 = System.nanoTime();
        bundle.vaeDecoder().decode(latent, mode);
        double ms = round((System.nanoTime() - t0) / 1e6);
        return new Run(ms, before.get(), PeakMemory.residentMiB().orElse(before.get()));
    }

    /** The float32 scores of one attention head over the whole latent, where the decoder's graph has a Softmax. */
    private static Optional<Long> attentionMiB(ModelBundle bundle, int side) {
        try {
            var file = bundle.folder().resolve("vae_decoder").resolve("model.onnx");
            if (!OnnxGraph.read(file, "vae_decoder/model.onnx", bundle.folder()).uses("Softmax")) return Optional.empty();
        } catch (ModelException | RuntimeException e) {
            // Unreadable here (it decoded above): assume the attention of SD's VAE.
        }
        long tokens = (long) side * side;
        return Optional.of(tokens * tokens * 4 / (1024 * 1024));
    }

    private static long physicalMiB() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getTotalMemorySize() / (1024 * 1024);
        return Long.MAX_VALUE;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
