package dev.emergence.engine.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.control.ControlInput;
import dev.emergence.engine.control.ControlPictures;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.OnnxControlNet;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.scheduler.SchedulerKind;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static dev.emergence.engine.pipeline.FamilyReferenceTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ControlNets end to end through the engine's ONNX sessions, against diffusers.
 * {@code reference/control/controlnet_cases.json} came from
 * {@code engine/tools/reference/make_control_refs.py}, which ran diffusers 0.30.3's (commit c9ff3609)
 * StableDiffusionControlNetPipeline, unmodified, on the torch modules that
 * {@code engine/testmodels/make_control_models.py} exported to {@code tiny-sd-control/},
 * {@code tiny-controlnet-a/} and {@code tiny-controlnet-b/}: one ControlNet applied over part of the
 * schedule with CFG, two at once (MultiControlNetModel: residuals summed, each with its own weight,
 * start and end), img2img (StableDiffusionControlNetImg2ImgPipeline: the range counts the steps the
 * strength leaves) and one without guidance. Compared, to 1e-4: each ControlNet's first call (its
 * control picture as the pipeline prepared it, and its residuals for those inputs), the weight it
 * acted with at every step, the residuals the UNet's first call got, the latents after every step,
 * the final latents and the picture.
 */
class ControlNetReferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MODELS = Path.of("testmodels");

    @TestFactory
    Stream<DynamicTest> matchesDiffusersControlNetPipeline() throws IOException {
        JsonNode file;
        try (InputStream in = getClass().getResourceAsStream("/reference/control/controlnet_cases.json")) {
            assertNotNull(in, "missing test resource reference/control/controlnet_cases.json");
            file = JSON.readTree(in);
        }
        return StreamSupport.stream(file.get("cases").spliterator(), false)
                .map(c -> DynamicTest.dynamicTest(c.get("name").asText(), () -> replay(c)));
    }

    private void replay(JsonNode c) throws Exception {
        String name = c.get("name").asText();
        try (LoadedModel m = LoadedModel.open(MODELS.resolve("tiny-sd-control"), ExecutionOptions.cpu(1))) {
            List<ControlUnit> units = new ArrayList<>();
            List<ControlInput> inputs = new ArrayList<>();
            List<RecordingNet> nets = new ArrayList<>();
            JsonNode controls = c.get("controls");
            for (int i = 0; i < controls.size(); i++) {
                JsonNode u = controls.get(i);
                Path folder = MODELS.resolve(u.get("model").asText());
                units.add(new ControlUnit(folder.toString(), PreprocessorKind.NONE, u.get("scale").asDouble(),
                        u.get("start").asDouble(), u.get("end").asDouble()));
                OnnxControlNet net = m.controlNet(folder);
                RecordingNet recording = new RecordingNet(net);
                nets.add(recording);
                inputs.add(new ControlInput(recording, net.shortHash(), picture(c.get("control_pictures_png_base64").get(i).asText())));
                assertFirstCallResiduals(net, c.get("controlnets").get(i).get("first_call"), name + ": ControlNet " + i);
            }
            GenerationRequest request = new GenerationRequest(c.get("prompt").asText(), c.get("negative_prompt").asText(),
                    c.get("width").asInt(), c.get("height").asInt(), c.get("steps").asInt(), c.get("guidance_scale").asDouble(),
                    c.get("seed").asLong(), SchedulerKind.PNDM, c.path("strength").asDouble(1.0), 0, null, null, null).withControls(units);
            // img2img: the init picture is the gradient formula (make_family_refs.picture, FakeModels.picture here)
            BufferedImage init = c.has("strength") ? FakeModels.picture(c.get("width").asInt(), c.get("height").asInt()) : null;
            RecordingUnet unet = new RecordingUnet(m.bundle().controlDenoiser());
            var info = m.info();
            StableDiffusionPipeline pipeline = new StableDiffusionPipeline(new PipelineComponents(info.name(), m.conditioner(),
                    m.bundle().denoiser(), m.bundle().vaeDecoder(), m.bundle()::imageEncoder, m.schedulerConfig(), info.vaeScaleFactor(),
                    info.unetInChannels(), info.latentChannels(), info.fp16(), () -> unet));
            List<StepSnapshot> steps = new ArrayList<>();
            GenerationResult result = pipeline.generate(request, init, null, inputs, steps::add, new CancellationToken());

            for (int i = 0; i < nets.size(); i++) {
                JsonNode expected = c.get("controlnets").get(i);
                RecordingNet net = nets.get(i);
                // diffusers runs a ControlNet at every step, with scale 0 outside its range; the engine skips those.
                List<Double> active = new ArrayList<>();
                for (JsonNode s : expected.get("conditioning_scales")) if (s.asDouble() != 0) active.add(s.asDouble());
                assertEquals(active, net.scales, name + ": ControlNet " + i + " weight at the steps it acted");
                JsonNode first = expected.get("first_call");
                assertClose(first.get("controlnet_cond"), net.firstImage, name + ": ControlNet " + i + " control picture");
                if (first.get("conditioning_scale").asDouble() != 0) {
                    assertClose(first.get("sample"), net.firstSample, name + ": ControlNet " + i + " first sample");
                    assertClose(first.get("encoder_hidden_states"), net.firstStates, name + ": ControlNet " + i + " text states");
                    assertEquals(first.get("timestep").asDouble(), net.firstTimestep, 1e-3, name + ": ControlNet " + i + " timestep");
                }
            }
            assertEquals(c.get("unet_calls").asInt(), unet.calls, name + ": UNet calls");
            JsonNode firstUnet = c.get("first_unet_call");
            assertClose(firstUnet.get("sample"), unet.firstSample, name + ": first UNet sample");
            List<String> names = m.bundle().controlDenoiser().residualInputs();
            for (int r = 0; r < names.size(); r++) {
                Tensor given = unet.firstExtra.get(names.get(r));
                JsonNode want = firstUnet.get("residuals").get(r);
                if (given == null) {
                    assertTrue(allZero(want), name + ": the UNet's first call got no residual " + r + " where diffusers' were not zero");
                } else {
                    assertClose(want, given, name + ": first UNet call residual " + r);
                }
            }
            JsonNode after = c.get("latents_after_step");
            assertEquals(after.size(), steps.size(), name + ": steps");
            for (int i = 0; i < steps.size(); i++) {
                assertClose(after.get(i), steps.get(i).latent(), name + ": latents after step " + (i + 1));
            }
            assertClose(c.get("final_latents"), result.finalLatent(), name + ": final latents");
            assertPictureWithinOneLevel(c.get("image_png_base64").asText(), result.image(), name);
            // the request as run names every control picture and ControlNet by hash
            for (int i = 0; i < units.size(); i++) {
                ControlUnit ran = result.request().controls().get(i);
                assertEquals(ControlPictures.sha256(inputs.get(i).picture()), ran.imageSha256(), name + ": picture hash");
                assertEquals(inputs.get(i).netHash(), ran.modelHash(), name + ": ControlNet hash");
            }
        }
    }

    /** The ONNX ControlNet on diffusers' own first-call inputs gives diffusers' residuals. */
    private static void assertFirstCallResiduals(OnnxControlNet net, JsonNode first, String what) throws ModelException {
        List<Tensor> residuals = net.residuals(tensor(first.get("sample")), first.get("timestep").asDouble(),
                tensor(first.get("encoder_hidden_states")), tensor(first.get("controlnet_cond")), first.get("conditioning_scale").asDouble());
        assertEquals(first.get("residuals").size(), residuals.size(), what + ": residual count");
        for (int r = 0; r < residuals.size(); r++) assertClose(first.get("residuals").get(r), residuals.get(r), what + ": residual " + r);
    }

    private static boolean allZero(JsonNode t) {
        for (float v : tensor(t).data()) if (v != 0) return false;
        return true;
    }

    static Tensor tensor(JsonNode t) {
        JsonNode s = t.get("shape");
        int[] shape = new int[s.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).asInt();
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(t.get("f32").asText())).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[b.remaining() / 4];
        for (int i = 0; i < values.length; i++) values[i] = b.getFloat();
        return new Tensor(values, shape);
    }

    static BufferedImage picture(String base64) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
    }

    /** Pictures equal to within one level per channel (the ONNX graphs and torch differ by about 1e-6). */
    private static void assertPictureWithinOneLevel(String base64, BufferedImage actual, String name) throws IOException {
        BufferedImage expected = picture(base64);
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                int e = expected.getRGB(x, y), a = actual.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    int d = Math.abs(((e >> shift) & 0xFF) - ((a >> shift) & 0xFF));
                    assertTrue(d <= 1, name + ": pixel (" + x + ", " + y + ") differs by " + d + " levels");
                }
            }
        }
    }

    /** A ControlNet remembering its first call and the weight of every call. */
    private static final class RecordingNet implements DiffusionModels.ControlNet {
        private final DiffusionModels.ControlNet net;
        final List<Double> scales = new ArrayList<>();
        Tensor firstSample, firstStates, firstImage;
        double firstTimestep;

        RecordingNet(DiffusionModels.ControlNet net) {
            this.net = net;
        }

        @Override
        public List<Tensor> residuals(Tensor sample, double t, Tensor states, Tensor image, double scale) throws ModelException {
            if (scales.isEmpty()) {
                firstSample = sample;
                firstStates = states;
                firstImage = image;
                firstTimestep = t;
            }
            scales.add(scale);
            return net.residuals(sample, t, states, image, scale);
        }

        @Override
        public int residualCount() {
            return net.residualCount();
        }
    }

    private static final class RecordingUnet implements DiffusionModels.Denoiser {
        private final DiffusionModels.Denoiser unet;
        int calls;
        Tensor firstSample;
        Map<String, Tensor> firstExtra;

        RecordingUnet(DiffusionModels.Denoiser unet) {
            this.unet = unet;
        }

        @Override
        public Tensor predict(Tensor sample, double t, Tensor states) throws ModelException {
            return predict(sample, t, states, Map.of());
        }

        @Override
        public Tensor predict(Tensor sample, double t, Tensor states, Map<String, Tensor> extra) throws ModelException {
            if (calls++ == 0) {
                firstSample = sample;
                firstExtra = new LinkedHashMap<>(extra);
            }
            return unet.predict(sample, t, states, extra);
        }

        @Override
        public List<String> residualInputs() {
            return unet.residualInputs();
        }
    }
}
