package dev.emergence.app.studio;

import dev.emergence.app.StudioConfig;
import dev.emergence.app.library.DownloadJob;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.WritableImage;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's pictures of the Models window (the embedded model, a copied, a linked and a broken
 * model) and of the download dialog part-way through a download from a stand-in hub. Written to
 * target/models.png and target/download.png; with -Dstudio.screenshot.update=true also to docs/.
 * The library and the embedded model's link are in a temporary "Emergence Studio" folder, so the
 * pictures show paths like an installation's rather than the build machine's.
 */
class ModelsScreenshotTest extends StudioTest {
    /**
     * The temporary folder itself for the docs' pictures; otherwise one inside a folder of this run's
     * own, so builds running side by side on one machine never delete each other's library.
     */
    static final Path PLACE = place();

    private static Path place() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        if (Boolean.getBoolean("studio.screenshot.update")) return tmp.resolve("Emergence Studio");
        try {
            return Files.createTempDirectory(tmp, "models-screenshot").resolve("Emergence Studio");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    FakeHub fakeHub;

    /** Before the studio opens (in the superclass's set-up), what an earlier run may have left goes. */
    @BeforeAll
    static void clearPlace() throws Exception {
        deleteTree(PLACE);
    }

    @BeforeEach
    void startHub() throws Exception {
        fakeHub = new FakeHub();
        fakeHub.publish("test/tiny-sd", "onnx", TINY_SD);
    }

    @AfterEach
    void stopHub() throws Exception {
        fakeHub.close();
        deleteTree(PLACE);
    }

    @AfterAll
    static void removeRunFolder() throws Exception {
        if (!Boolean.getBoolean("studio.screenshot.update")) Files.deleteIfExists(PLACE.getParent());
    }

    /** The embedded model when the checkout has it, else the tiny test model, through a link where an installation keeps it. */
    @Override
    Optional<Path> defaultModel() {
        Path link = PLACE.resolve("app").resolve("default-model");
        try {
            if (!Files.isSymbolicLink(link)) {
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, StudioConfig.embeddedModel().map(Path::toAbsolutePath).orElse(TINY_SD));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Optional.of(link);
    }

    @Override
    dev.emergence.engine.library.ModelLibrary library(Path dataFolder) {
        return new dev.emergence.engine.library.ModelLibrary(PLACE.resolve("models"), this::defaultModel, freeSpace());
    }

    @Override
    URI hub() {
        return fakeHub.base();
    }

    @Test
    void modelsWindowAndDownloadInProgress() throws Exception {
        waitForModel();
        importThroughModelsView(TINY_SD_INPAINT, "tiny-sd-inpaint", false);
        importThroughModelsView(ModelLibraryViewTest.TINY_SD_FP16, "tiny-sd-fp16", true);
        // An export that lost a file: listed with the engine's reason, not offered in the picker.
        Path broken = PLACE.resolve("models").resolve("unfinished-export");
        try (Stream<Path> files = Files.walk(TINY_SD)) {
            for (Path p : files.toList()) {
                Path t = broken.resolve(TINY_SD.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else if (!p.startsWith(TINY_SD.resolve("vae_decoder"))) Files.copy(p, t);
            }
        }
        fx(() -> studio.library().refresh());
        waitUntil("four models listed", () -> studio.library().entries().size() == 4);
        clickOn("#model-tiny-sd-inpaint");
        moveTo("#models-close");
        Thread.sleep(300);
        save(studio.modelsDialog().orElseThrow(), "models.png", 760);

        clickOn("#models-download");
        waitUntil("the catalogue", () -> lookup("#catalogue-sd15").tryQuery().isPresent());
        clickOn("#download-repo");
        write("test/tiny-sd");
        clickOn("#download-revision");
        write("onnx");
        clickOn("#download-name");
        write("tiny-sd");
        // Slow enough for a measured speed and time left, held part-way through the UNet's weights.
        fakeHub.bytesPerSecond = 160_000;
        fakeHub.holdAfter("unet/weights.pb", 120_000);
        clickOn("#download-start");
        assertTrue(fakeHub.awaitHold(60), "the download reached the held file");
        waitUntil("the speed measured", () -> lookup("#download-bytes").queryLabeled().getText().contains("left"));
        moveTo("#download-cancel");
        Thread.sleep(300);
        save(studio.downloadDialog().orElseThrow(), "download.png", 860);
        type(KeyCode.ESCAPE);
        fakeHub.release();
        waitUntil("the download to end", () -> !studio.downloads().stateProperty().get().active());
        assertEquals(DownloadJob.State.DONE, onFx(() -> studio.downloads().stateProperty().get()));
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            // Links are deleted, never followed (one points at the test model).
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private void save(Stage window, String name, int width) throws Exception {
        WritableImage shot = onFx(() -> window.getScene().snapshot(null));
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        ImageIO.write(SwingFXUtils.fromFXImage(shot, null), "png", target.toFile());
        assertEquals(width, shot.getWidth(), 1);
        if (Boolean.getBoolean("studio.screenshot.update")) {
            Path docs = Path.of("..", "docs", name);
            Files.createDirectories(docs.getParent());
            Files.copy(target, docs, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
