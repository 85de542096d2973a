package dev.emergence.engine.model;

import dev.emergence.engine.TestFolders;
import dev.emergence.engine.onnx.OnnxGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A UNet's input channels read from its graph's first convolution, so loading needs no probe run. */
class UnetChannelsFromGraphTest {
    private static OptionalInt channels(String bundle) throws Exception {
        Path folder = TestModels.bundle(bundle).toAbsolutePath();
        return OnnxGraph.read(folder.resolve("unet/model.onnx"), bundle + "/unet/model.onnx", folder).convInputChannels("sample");
    }

    @Test
    void theFirstConvolutionTellsFourOrNine() throws Exception {
        assertEquals(OptionalInt.of(4), channels("tiny-sd"));
        assertEquals(OptionalInt.of(9), channels("tiny-sd-inpaint"));
    }

    @Test
    void anInpaintingUnetWithoutConfigIsStillKnown(@TempDir Path temp) throws Exception {
        Path folder = TestFolders.copy(TestModels.bundle("tiny-sd-inpaint"), temp.resolve("tiny-sd-inpaint"));
        Files.deleteIfExists(folder.resolve("unet/config.json"));
        try (ModelBundle bundle = ModelBundle.open(folder, TestModels.CPU)) {
            assertEquals(9, bundle.info().unetInChannels());
        }
    }
}
