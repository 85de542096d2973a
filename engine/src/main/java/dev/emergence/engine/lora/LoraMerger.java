package dev.emergence.engine.lora;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.onnx.OnnxGraph;
import dev.emergence.engine.onnx.WeightSlot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Merges matched LoRA layers into a graph's weights: W' = W + weight · (alpha / rank) · up · down, in
 * float, stored back in the weight's own type (float16 and bfloat16 weights are widened, merged and
 * rounded back). Weights are read one at a time, only those that change; the results are ONNX Runtime
 * tensors to hand to {@code SessionOptions.addExternalInitializers}, owned by the caller.
 */
public final class LoraMerger {
    /** Told after each merged weight. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (target, done, total) -> { };

        void merged(LoraTarget target, int done, int total);
    }

    private LoraMerger() {
    }

    /**
     * The merged weights of {@code target}, by initializer name.
     *
     * @throws CancellationException when {@code cancelled} answers true between two weights
     */
    public static Map<String, OnnxTensor> merge(OrtEnvironment env, OnnxGraph graph, LoraTarget target,
                                                Map<String, List<LoraMatches.Match>> matches, Progress progress,
                                                BooleanSupplier cancelled) throws ModelException, LoraException {
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        try {
            int done = 0;
            for (Map.Entry<String, List<LoraMatches.Match>> e : matches.entrySet()) {
                if (cancelled.getAsBoolean()) throw new CancellationException("LoRA merge cancelled");
                String initializer = e.getKey();
                float[] w = graph.readFloats(initializer);
                WeightSlot slot = e.getValue().get(0).slot();
                for (LoraMatches.Match m : e.getValue()) add(w, m);
                for (float v : w) {
                    if (!Float.isFinite(v)) {
                        throw new LoraException(e.getValue().get(0).lora().file().name() + ": merging layer '" + e.getValue().get(0).layer().key()
                                + "' gives non-finite weights in '" + initializer + "'; expected finite LoRA tensors and weights");
                    }
                }
                out.put(initializer, tensor(env, w, slot.dims(), graph.dataType(initializer), graph.label(), initializer));
                progress.merged(target, ++done, matches.size());
            }
            return out;
        } catch (ModelException | LoraException | RuntimeException ex) {
            out.values().forEach(OnnxTensor::close);
            throw ex;
        }
    }

    /** w += weight · (alpha / rank) · up · down, laid out as the weight is ([out, in…] or transposed [in, out]). */
    private static void add(float[] w, LoraMatches.Match m) throws LoraException {
        LoraLayer layer = m.layer();
        float[] down = m.lora().file().read(layer.down()), up = m.lora().file().read(layer.up());
        int rank = m.rank(), out = (int) m.out(), in = (int) m.in();
        double alpha = Double.isNaN(layer.alpha()) ? rank : layer.alpha();
        float scale = (float) (m.lora().weightFor(layer.target()) * alpha / rank);
        if (m.slot().transposed()) {
            // w is [in, out]: row i gains sum_r down[r, i] · up[:, r]
            float[] upT = new float[rank * out];
            for (int o = 0; o < out; o++) for (int r = 0; r < rank; r++) upT[r * out + o] = up[o * rank + r];
            for (int i = 0; i < in; i++) {
                int row = i * out;
                for (int r = 0; r < rank; r++) {
                    float c = scale * down[r * in + i];
                    int ur = r * out;
                    for (int o = 0; o < out; o++) w[row + o] += c * upT[ur + o];
                }
            }
        } else {
            for (int o = 0; o < out; o++) {
                int row = o * in;
                for (int r = 0; r < rank; r++) {
                    float c = scale * up[o * rank + r];
                    int dr = r * in;
                    for (int i = 0; i < in; i++) w[row + i] += c * down[dr + i];
                }
            }
        }
    }

    private static OnnxTensor tensor(OrtEnvironment env, float[] w, long[] dims, int type, String label, String initializer) throws ModelException {
        try {
            switch (type) {
                case OnnxGraph.FLOAT -> {
                    FloatBuffer b = direct(4L * w.length).asFloatBuffer();
                    b.put(w).rewind();
                    return OnnxTensor.createTensor(env, b, dims);
                }
                case OnnxGraph.FLOAT16, OnnxGraph.BFLOAT16 -> {
                    ShortBuffer b = direct(2L * w.length).asShortBuffer();
                    boolean half = type == OnnxGraph.FLOAT16;
                    for (int i = 0; i < w.length; i++) b.put(i, half ? Fp16Conversions.floatToFp16(w[i]) : Fp16Conversions.floatToBf16(w[i]));
                    return OnnxTensor.createTensor(env, b, dims, half ? OnnxJavaType.FLOAT16 : OnnxJavaType.BFLOAT16);
                }
                default -> throw new ModelException(label + ": initializer '" + initializer + "' has ONNX data type " + type
                        + "; expected float32, float16 or bfloat16 weights to merge into");
            }
        } catch (OrtException e) {
            throw new ModelException(label + ": cannot hold the merged weight '" + initializer + "' (" + e.getMessage() + ")", e);
        }
    }

    private static ByteBuffer direct(long bytes) {
        return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }
}
