package dev.emergence.app.studio;

import dev.emergence.app.control.ControlLayer;
import dev.emergence.app.control.ControlSource;
import dev.emergence.app.generation.Finished;
import dev.emergence.engine.control.ControlPictures;
import dev.emergence.engine.control.ControlUnit;
import dev.emergence.engine.control.PreprocessorKind;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.pipeline.CancellationToken;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationPng;
import dev.emergence.engine.pipeline.GenerationRequest;
import dev.emergence.engine.pipeline.GenerationResult;
import dev.emergence.engine.pipeline.LoadedModel;
import dev.emergence.engine.pipeline.StepListener;
import dev.emergence.engine.runtime.ExecutionOptions;
import javafx.scene.image.ImageView;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;
import org.testfx.util.WaitForAsyncUtils;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ControlNet in the studio: a scribble on the paint layer steers a generation made from text, the
 * card previews the control picture the ControlNet sees, and the picture records the ControlNet as
 * AUTOMATIC1111's ControlNet extension writes it. Checked against the engine run directly with the
 * same request and the same control picture (the engine itself is checked against diffusers'
 * StableDiffusionControlNetPipeline in ControlNetReferenceTest).
 */
class ControlNetStudioTest extends StudioTest {
    static final Path BASE = Path.of("..", "engine", "testmodels", "tiny-sd-control").toAbsolutePath().normalize();
    static final Path NET = Path.of("..", "engine", "testmodels", "tiny-controlnet-a").toAbsolutePath().normalize();

    @Test
    void aScribbleOnThePaintLayerSteersATextToImageRun() throws Exception {
        screenshotWindow();
        waitForModel();
        Path nets = Files.createDirectories(home.resolve("models").resolve("controlnets").resolve("scribble-net"));
        try (Stream<Path> files = Files.list(NET)) {
            for (Path f : files.toList()) Files.copy(f, nets.resolve(f.getFileName()));
        }
        clickShown("#control-refresh");
        waitUntil("the ControlNet listed", () -> studio.library().controlNets().size() == 1);
        // On a model without a ControlNet UNet, a card says it cannot steer.
        clickShown("#control-add");
        waitUntil("the note", () -> lookup("#control-no-unet").query().isVisible());
        assertTrue(onFx(() -> lookup("#control-no-unet").queryLabeled().getText())
                .endsWith("takes no ControlNet: its folder has no controlnet/model.onnx (a UNet with residual inputs)"));
        fx(() -> studio.controls().layers().clear());
        fx(() -> studio.loadModel(BASE));
        waitUntil("the ControlNet base model", () -> studio.generation().modelProperty().get() != null
                && studio.generation().modelProperty().get().folder().equals(BASE));
        assertTrue(onFx(() -> studio.generation().modelProperty().get().takesControlNets()));

        clickShown("#control-add");
        waitUntil("a card", () -> studio.controls().layers().size() == 1);
        ControlLayer layer = onFx(() -> studio.controls().layers().get(0));
        assertEquals("scribble-net", onFx(() -> layer.modelProperty().get().name()), "the only ControlNet is picked");
        assertEquals(ControlSource.PAINT, onFx(() -> layer.sourceProperty().get()));
        assertEquals(PreprocessorKind.SCRIBBLE, onFx(() -> layer.preprocessorProperty().get()));

        // Scribble in red: the card previews it as white lines on black, and the run stays text-to-image.
        fx(() -> studio.tools().sizeProperty().set(6));
        type(KeyCode.B);
        strokeOnCanvas(8, 8, 56, 56);
        strokeOnCanvas(8, 56, 56, 8);
        assertEquals("TEXT → IMAGE", lookup("#mode").queryLabeled().getText(), "the scribble steers; it does not start the picture");
        javafx.scene.Node card = lookup(n -> n.getStyleClass().contains("control-card") && n.getUserData() == layer).query();
        ImageView preview = (ImageView) card.lookup(".control-preview");
        waitUntil("the control preview", () -> preview.getImage() != null && hasWhite(preview));

        // (The panel is long with a card open: set directly rather than scrolling to each field.)
        fx(() -> {
            studio.parameters().stepsProperty().set(3);
            studio.parameters().promptProperty().set("a cat");
        });
        pressGenerate();
        waitUntil("the steered picture", () -> studio.gallery().size() == 1);
        waitForIdle();
        Finished f = onFx(() -> studio.generation().lastResultProperty().get());
        assertEquals(GenerationMode.TXT2IMG, f.result().mode());
        // The window with the card in view and the steered picture: target/controlnet.png, and with
        // -Dstudio.screenshot.update=true the README's docs/controlnet.png.
        fx(() -> ((javafx.scene.control.ScrollPane) lookup(".form-scroll").query()).setVvalue(1));
        waitUntil("both strokes in the preview", () -> whiteRows(preview) > 0);
        Thread.sleep(300);
        javafx.scene.image.WritableImage shot = onFx(() -> stage.getScene().snapshot(null));
        Path target = Path.of("target", "controlnet.png");
        javax.imageio.ImageIO.write(javafx.embed.swing.SwingFXUtils.fromFXImage(shot, null), "png", target.toFile());
        if (Boolean.getBoolean("studio.screenshot.update")) {
            Files.copy(target, Path.of("..", "docs", "controlnet.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        GenerationRequest saved = GenerationPng.readRequest(f.file());
        assertEquals(1, saved.controls().size());
        ControlUnit unit = saved.controls().get(0);
        assertEquals(PreprocessorKind.SCRIBBLE, unit.preprocessor());
        assertEquals("paint layer", unit.image());
        String infotext = PngMetadata.read(f.file()).get(GenerationPng.PARAMETERS_KEY);
        // AUTOMATIC1111 names strokes used as they are with its "none" module.
        assertTrue(infotext.contains("ControlNet 0: \"Module: none, Model: scribble-net ["), infotext);

        // The engine, given the same request and the strokes' control picture, makes the same pixels;
        // without the ControlNet the picture differs: it was steered.
        BufferedImage source = onFx(() -> ControlLayer.sourcePicture(ControlSource.PAINT, PreprocessorKind.SCRIBBLE,
                studio.canvas().snapshot(), null));
        GenerationRequest plain = saved.withControls(List.of());
        try (LoadedModel m = LoadedModel.open(BASE, ExecutionOptions.cpu())) {
            GenerationResult direct = m.pipeline().generate(saved, null, null, m.controlInputs(saved, List.of(source)),
                    StepListener.NONE, new CancellationToken());
            assertArrayEquals(pixels(direct.image()), pixels(f.result().image()), "the studio's run is the engine's run");
            assertEquals(ControlPictures.sha256(PreprocessorKind.SCRIBBLE.create(unit).apply(source, saved.width(), saved.height())),
                    unit.imageSha256(), "the recorded hash is the control picture's");
            GenerationResult unsteered = m.pipeline().generate(plain, null, null, StepListener.NONE, new CancellationToken());
            assertNotEquals(java.util.Arrays.hashCode(pixels(unsteered.image())), java.util.Arrays.hashCode(pixels(f.result().image())));
        }

        // Switched off, it no longer steers and the painting starts the picture again.
        fx(() -> layer.enabledProperty().set(false));
        waitUntil("image to image again", () -> lookup("#mode").queryLabeled().getText().equals("IMAGE → IMAGE"));

        // The card is part of the session: a restart brings it back as it was.
        fx(() -> {
            layer.weightProperty().set(0.8);
            layer.endProperty().set(0.6);
        });
        closeStudio();
        openStudioOn(home);
        waitUntil("the card restored", () -> studio.controls().layers().size() == 1);
        ControlLayer back = onFx(() -> studio.controls().layers().get(0));
        assertEquals(nets, onFx(() -> back.modelProperty().get().folder()));
        assertEquals(0.8, onFx(() -> back.weightProperty().get()));
        assertEquals(0.6, onFx(() -> back.endProperty().get()));
        assertEquals(false, onFx(() -> back.enabledProperty().get()));
        assertEquals(PreprocessorKind.SCRIBBLE, onFx(() -> back.preprocessorProperty().get()));

        // Opening the picture brings back the ControlNet it was made with.
        fx(() -> studio.controls().layers().clear());
        fx(() -> studio.openFile(f.file()));
        waitUntil("the picture's ControlNet", () -> studio.controls().layers().size() == 1);
        ControlLayer fromPng = onFx(() -> studio.controls().layers().get(0));
        assertEquals(nets, onFx(() -> fromPng.modelProperty().get().folder()));
        assertEquals(ControlSource.PAINT, onFx(() -> fromPng.sourceProperty().get()));
        assertEquals(1.0, onFx(() -> fromPng.weightProperty().get()));
        assertEquals(true, onFx(() -> fromPng.enabledProperty().get()));

        // A picture source: opened once through the dialog, read again at the next start without asking.
        Path lines = home.resolve("lines.png");
        javax.imageio.ImageIO.write(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), "png", lines.toFile());
        dialogs.openAnswers.add(lines);
        fx(() -> fromPng.sourceProperty().set(ControlSource.PICTURE));
        waitUntil("the opened picture", () -> fromPng.pictureProperty().get() != null);
        assertEquals("lines.png", onFx(() -> fromPng.pictureNameProperty().get()));
        int asked = dialogs.openImageAsked.get();
        closeStudio();
        openStudioOn(home);
        waitUntil("the card with its picture", () -> studio.controls().layers().size() == 1
                && studio.controls().layers().get(0).pictureProperty().get() != null);
        assertEquals(asked, dialogs.openImageAsked.get(), "a restored picture source asks for nothing");
        assertEquals(ControlSource.PICTURE, onFx(() -> studio.controls().layers().get(0).sourceProperty().get()));

        // A picture naming a ControlNet folder outside the library: its settings come back, not the folder.
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere").resolve("sneaky"));
        Files.copy(NET.resolve("model.onnx"), elsewhere.resolve("model.onnx"));
        GenerationRequest foreign = saved.withControls(List.of(new ControlUnit(elsewhere.toString(), PreprocessorKind.CANNY, 0.7, 0, 1)));
        Path png = home.resolve("foreign.png");
        GenerationPng.save(png, new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), foreign, GenerationMode.TXT2IMG);
        fx(() -> studio.openFile(png));
        waitUntil("the foreign picture's card", () -> studio.controls().layers().size() == 1
                && studio.controls().layers().get(0).preprocessorProperty().get() == PreprocessorKind.CANNY);
        assertEquals(null, onFx(() -> studio.controls().layers().get(0).modelProperty().get()), "no folder outside the library is taken");
        assertEquals(0.7, onFx(() -> studio.controls().layers().get(0).weightProperty().get()));
        waitUntil("the note", () -> studio.notifier().messages().stream().anyMatch(m -> m.contains("sneaky is not in the library's controlnets folder")));
    }

    /** Rows of the preview with white both left and right of the middle: the two crossing strokes. */
    private static int whiteRows(ImageView view) {
        javafx.scene.image.Image img = view.getImage();
        int w = (int) img.getWidth(), rows = 0;
        for (int y = 0; y < (int) img.getHeight(); y++) {
            boolean left = false, right = false;
            for (int x = 0; x < w; x++) {
                if ((img.getPixelReader().getArgb(x, y) & 0xffffff) == 0xffffff) {
                    if (x < w / 2) left = true;
                    else right = true;
                }
            }
            if (left && right && y < img.getHeight() / 4) rows++;
        }
        return rows;
    }

    private static boolean hasWhite(ImageView view) {
        javafx.scene.image.Image img = view.getImage();
        for (int y = 0; y < (int) img.getHeight(); y++) {
            for (int x = 0; x < (int) img.getWidth(); x++) {
                if ((img.getPixelReader().getArgb(x, y) & 0xffffff) == 0xffffff) return true;
            }
        }
        return false;
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }
}
