package dev.emergence.engine.model;

import com.google.protobuf.ByteString;
import dev.emergence.engine.TestFolders;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.ModelProto;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.NodeProto;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.StringStringEntryProto;
import dev.emergence.engine.onnx.proto.OnnxGraphProto.TensorProto;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Copies of tiny-sd with its VAE encoder's graph changed: the sampling written another way, or the
 * weights moved to an external-data file. The changes go through the engine's own ONNX messages,
 * which keep every field they do not declare.
 */
public final class EncoderGraphs {
    public static final String ENCODER = "vae_encoder/model.onnx";

    private EncoderGraphs() {
    }

    /** tiny-sd copied to {@code temp}/tiny-sd, with its encoder's graph passed through {@code change}. */
    public static Path tinySdWith(Path temp, UnaryOperator<ModelProto.Builder> change) throws IOException {
        Path folder = TestFolders.copy(TestModels.bundle("tiny-sd"), temp.resolve("tiny-sd"));
        Path file = folder.resolve(ENCODER);
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(file));
        Files.write(file, change.apply(model.toBuilder()).build().toByteArray());
        return folder;
    }

    /** latent_sample = mean − std · noise: the same distribution, but not the pattern the engine seeds. */
    public static ModelProto.Builder subtractNoise(ModelProto.Builder model) {
        latentNode(model).setOpType("Sub");
        return model;
    }

    /** latent_sample = Mul(noise, std) + mean: the pattern with every operand order swapped. */
    public static ModelProto.Builder swapOperands(ModelProto.Builder model) {
        NodeProto.Builder add = latentNode(model);
        String mean = add.getInput(0), scaled = add.getInput(1);
        add.setInput(0, scaled).setInput(1, mean);
        for (NodeProto.Builder n : model.getGraphBuilder().getNodeBuilderList()) {
            if (n.getOutputList().contains(scaled)) {
                String std = n.getInput(0), noise = n.getInput(1);
                n.setInput(0, noise).setInput(1, std);
            }
        }
        return model;
    }

    /** Every weight of the graph moved to weights.bin beside it (ONNX external data), as large exports store them. */
    public static UnaryOperator<ModelProto.Builder> externalWeights(Path folder) {
        return model -> {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            for (TensorProto.Builder t : model.getGraphBuilder().getInitializerBuilderList()) {
                if (t.getDimsCount() == 0 || !t.hasRawData()) continue;
                byte[] raw = t.getRawData().toByteArray();
                t.addExternalData(entry("location", "weights.bin")).addExternalData(entry("offset", String.valueOf(data.size())))
                        .addExternalData(entry("length", String.valueOf(raw.length)))
                        .setDataLocation(1).setRawData(ByteString.EMPTY).clearRawData();
                data.writeBytes(raw);
            }
            try {
                Files.write(folder.resolve("tiny-sd").resolve("vae_encoder").resolve("weights.bin"), data.toByteArray());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return model;
        };
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static NodeProto.Builder latentNode(ModelProto.Builder model) {
        for (NodeProto.Builder n : model.getGraphBuilder().getNodeBuilderList()) {
            if (n.getOutputList().contains("latent_sample")) return n;
        }
        throw new IllegalStateException("tiny-sd's encoder has no node computing latent_sample");
    }
}
