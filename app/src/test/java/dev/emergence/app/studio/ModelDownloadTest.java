package dev.emergence.app.studio;

import dev.emergence.app.library.DownloadJob;
import dev.emergence.app.library.ModelChoice;
import dev.emergence.engine.library.Bytes;
import dev.emergence.engine.library.Catalogue;
import dev.emergence.engine.library.FreeSpace;
import dev.emergence.engine.library.ModelEntry;
import dev.emergence.engine.library.ModelLibrary;
import javafx.scene.control.ComboBox;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The download dialog on a real studio against a stand-in hub on the loopback address ({@link FakeHub})
 * serving the engine's tiny model: progress, the new model in the library and the picker, Cancel,
 * the errors, and the JavaFX thread kept out of all library work.
 */
class ModelDownloadTest extends StudioTest {
    static final String REPO = "test/tiny-sd";

    FakeHub fakeHub;
    volatile URI hubAddress;
    volatile long freeBytes = Long.MAX_VALUE;
    /** Threads on which the library called back into the test (free space, the embedded model), or was opened. */
    final Set<String> libraryThreads = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void startHub() throws Exception {
        fakeHub = new FakeHub();
        fakeHub.publish(REPO, "onnx", TINY_SD);
        hubAddress = fakeHub.base();
    }

    @AfterEach
    void stopHub() {
        fakeHub.close();
    }

    @Override
    URI hub() {
        return hubAddress;
    }

    @Override
    FreeSpace freeSpace() {
        return folder -> {
            libraryThreads.add(Thread.currentThread().getName());
            return freeBytes;
        };
    }

    @Override
    ModelLibrary library(Path dataFolder) {
        libraryThreads.add(Thread.currentThread().getName());
        return new ModelLibrary(dataFolder.resolve("models"), () -> {
            libraryThreads.add(Thread.currentThread().getName());
            return defaultModel();
        }, freeSpace());
    }

    Path models() {
        return home.resolve("models");
    }

    void openDownloadDialog() {
        openModelsView();
        clickOn("#models-download");
        waitUntil("the download dialog with the catalogue", () -> studio.downloadDialog().map(Stage::isShowing).orElse(false)
                && lookup("#catalogue-sd15").tryQuery().isPresent());
    }

    void fill(String repo, String revision, String name) {
        for (String[] f : new String[][] {{"#download-repo", repo}, {"#download-revision", revision}, {"#download-name", name}}) {
            clickOn(f[0]);
            push(KeyCode.CONTROL, KeyCode.A);
            if (f[1].isEmpty()) type(KeyCode.BACK_SPACE);
            else write(f[1]);
        }
    }

    DownloadJob.State state() {
        return onFx(() -> studio.downloads().stateProperty().get());
    }

    String text(String id) {
        return lookup(id).queryLabeled().getText();
    }

    List<String> pickerNames() {
        return onFx(() -> ((ComboBox<?>) lookup("#model-picker").query()).getItems().stream().map(c -> ((ModelChoice) c).name()).toList());
    }

    @Test
    void theCatalogueFillsTheFormAndADownloadShowsProgressThenJoinsTheLibraryAndThePicker() throws Exception {
        waitForModel();
        openDownloadDialog();
        // Every whole-model entry of the engine's catalogue is offered with what it is good for, its licence and size.
        // The list makes cells only for the rows in view (more entries than fit): each is scrolled to first.
        @SuppressWarnings("unchecked")
        ListView<Catalogue.Entry> list = (ListView<Catalogue.Entry>) lookup("#catalogue").query();
        List<String> wholeModels = Catalogue.load().entries().stream().filter(e -> !e.isPreviewDecoder()).map(Catalogue.Entry::id).toList();
        assertEquals(wholeModels, onFx(() -> list.getItems().stream().map(Catalogue.Entry::id).toList()), "offered, in the catalogue's order");
        for (Catalogue.Entry e : onFx(() -> List.copyOf(list.getItems()))) {
            fx(() -> list.scrollTo(e));
            waitUntil("the row of " + e.id(), () -> lookup("#catalogue-" + e.id()).match(javafx.scene.Node::isVisible).tryQuery().isPresent());
        }
        Catalogue.Entry sd15 = Catalogue.load().find("sd15").orElseThrow();
        fx(() -> list.scrollTo(0));
        // A cell scrolled out of view may linger invisible in the list's pool with the same id: wait for the shown one.
        waitUntil("the row of sd15 in view", () -> lookup("#catalogue-sd15").match(javafx.scene.Node::isVisible).tryQuery().isPresent());
        javafx.scene.Node sd15Row = lookup("#catalogue-sd15").match(javafx.scene.Node::isVisible).query();
        String cell = onFx(() -> sd15Row.lookupAll(".label").stream()
                .map(n -> ((javafx.scene.control.Label) n).getText()).toList()).toString();
        assertTrue(cell.contains(sd15.title()) && cell.contains(sd15.goodFor()) && cell.contains(sd15.licence())
                && cell.contains("about " + Bytes.human(sd15.approxBytes())), cell);
        clickOn(sd15Row);
        assertEquals(sd15.repo(), lookup("#download-repo").queryTextInputControl().getText());
        assertEquals(sd15.revision(), lookup("#download-revision").queryTextInputControl().getText());
        assertEquals("sd15", lookup("#download-name").queryTextInputControl().getText());

        // Any repository: the stand-in hub's, held part-way through the UNet's weights.
        fill(REPO, "onnx", "tiny");
        fakeHub.holdAfter("unet/weights.pb", 100_000);
        clickOn("#download-start");
        assertTrue(fakeHub.awaitHold(30), "the transfer reached the held file");
        long total = ModelLibraryViewTest.bytesIn(TINY_SD);
        waitUntil("progress on the held file", () -> text("#download-file").startsWith("unet/weights.pb  (file "));
        String bytes = text("#download-bytes");
        assertTrue(bytes.matches("\\d+% · .+ of " + java.util.regex.Pattern.quote(Bytes.human(total)) + " · .+"), bytes);
        double progress = onFx(() -> ((ProgressBar) lookup("#download-progress").query()).getProgress());
        assertTrue(progress > 0.2 && progress < 1, "progress " + progress);
        assertEquals(DownloadJob.State.RUNNING, state());
        assertFalse(lookup("#download-cancel").query().isDisabled());
        assertTrue(lookup("#download-start").query().isDisabled(), "one download at a time");
        assertFalse(pickerNames().contains("tiny"), "not in the picker before it is complete");

        fakeHub.release();
        waitUntil("the download to finish", () -> studio.downloads().stateProperty().get() == DownloadJob.State.DONE);
        assertEquals("added 'tiny' to the library (SD 1.x · fp32)", text("#download-message"));
        assertEquals(1.0, onFx(() -> ((ProgressBar) lookup("#download-progress").query()).getProgress()), 1e-9);
        assertEquals(List.of("default", "tiny"), pickerNames());
        assertTrue(onFx(() -> studio.library().entries().stream().anyMatch(e -> e.name().equals("tiny") && e.usable())));
        assertEquals(total, ModelLibraryViewTest.bytesIn(models().resolve("tiny")));
        assertEquals(List.of(), ModelLibraryViewTest.names(models().resolve(".staging")), "nothing left in staging");

        clickOn("#download-use");
        waitUntil("the downloaded model in use", () -> studio.generation().modelProperty().get() != null
                && studio.generation().modelProperty().get().folder().equals(models().resolve("tiny").toAbsolutePath().normalize())
                && !studio.generation().state().busy());
    }

    /** Starts downloading the tiny model and returns once the hub holds the transfer in the middle of a file. */
    private void startADownloadThatStallsHalfWay() throws Exception {
        waitForModel();
        openDownloadDialog();
        fill(REPO, "onnx", "tiny");
        fakeHub.holdAfter("unet/weights.pb", 100_000);
        clickOn("#download-start");
        assertTrue(fakeHub.awaitHold(30));
    }

    @Test
    void cancelStopsTheDownloadAndLeavesNoModelAndNoPartialFiles() throws Exception {
        startADownloadThatStallsHalfWay();
        waitUntil("progress", () -> !text("#download-bytes").isEmpty());
        assertFalse(ModelLibraryViewTest.names(models().resolve(".staging")).isEmpty(), "the download is staged while it runs");

        clickOn("#download-cancel");
        waitUntil("the cancellation", () -> studio.downloads().stateProperty().get() == DownloadJob.State.CANCELLED);
        assertEquals("download cancelled; nothing was added", text("#download-message"));
        assertEquals(List.of(), ModelLibraryViewTest.visibleNames(models()));
        assertEquals(List.of(), ModelLibraryViewTest.names(models().resolve(".staging")), "no partial files");
        assertEquals(List.of("default"), pickerNames());
        assertEquals(List.of("default"), onFx(() -> studio.library().entries().stream().map(ModelEntry::name).toList()));

        // Nothing was kept to resume: the next download fetches every byte again, and works.
        long before = fakeHub.bytesSent();
        clickOn("#download-start");
        waitUntil("the second download", () -> studio.downloads().stateProperty().get() == DownloadJob.State.DONE);
        assertEquals(ModelLibraryViewTest.bytesIn(TINY_SD), fakeHub.bytesSent() - before);
        assertEquals(List.of("default", "tiny"), pickerNames());
    }

    @Test
    void closingTheDialogCancelsTheDownload() throws Exception {
        startADownloadThatStallsHalfWay();
        clickOn("#download-close");
        waitUntil("the cancellation", () -> studio.downloads().stateProperty().get() == DownloadJob.State.CANCELLED);
        assertEquals(List.of(), ModelLibraryViewTest.visibleNames(models()));
        assertEquals(List.of(), ModelLibraryViewTest.names(models().resolve(".staging")));
    }

    @Test
    void failuresAreOneClearLineAndAddNothing() throws Exception {
        waitForModel();
        openDownloadDialog();

        // No network: nothing listens where the hub should be.
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        hubAddress = URI.create("http://127.0.0.1:" + closedPort);
        fill(REPO, "onnx", "tiny");
        assertFailure("cannot reach http://127.0.0.1:" + closedPort + ": could not connect (no network, a firewall or proxy, or the server is down)");

        // An unknown repository.
        hubAddress = fakeHub.base();
        fill("nobody/nothing", "", "");
        assertFailure("repository 'nobody/nothing' not found on 127.0.0.1 (if it is private or gated, set HF_TOKEN to an access token)");

        // Not enough disk space, before anything is downloaded.
        freeBytes = 100_000;
        fill(REPO, "onnx", "tiny");
        long sentBefore = fakeHub.bytesSent();
        assertFailure("not enough free disk space in " + models().toAbsolutePath().normalize() + ": downloading " + REPO + " needs "
                + Bytes.human(ModelLibraryViewTest.bytesIn(TINY_SD)) + ", 97.7 KiB is free");
        assertEquals(sentBefore, fakeHub.bytesSent(), "no file was fetched");
        freeBytes = Long.MAX_VALUE;

        // A file whose content does not match the hub's sha-256.
        byte[] bad = Files.readAllBytes(TINY_SD.resolve("vae_decoder").resolve("model.onnx"));
        bad[bad.length / 2] ^= 1;
        fakeHub.corrupt("vae_decoder/model.onnx", bad);
        clickOn("#download-start");
        waitUntil("the failure", () -> studio.downloads().stateProperty().get() == DownloadJob.State.FAILED);
        String checksum = text("#download-message");
        assertTrue(checksum.startsWith("vae_decoder/model.onnx: checksum mismatch, expected sha256 "), checksum);
        assertTrue(checksum.endsWith("; the file was discarded"), checksum);
        assertFalse(checksum.contains("\n"));
        assertEquals(List.of(), ModelLibraryViewTest.visibleNames(models()));
        assertEquals(List.of("default"), pickerNames());
    }

    private void assertFailure(String expected) {
        clickOn("#download-start");
        waitUntil("the failure: " + expected, () -> studio.downloads().stateProperty().get() == DownloadJob.State.FAILED
                && lookup("#download-message").queryLabeled().getText().equals(expected));
        assertTrue(lookup("#download-message").query().getStyleClass().contains("error"));
        assertEquals(List.of("default"), pickerNames());
    }

    @Test
    void noLibraryWorkRunsOnTheFxThread() throws Exception {
        waitForModel();
        openDownloadDialog();
        clickOn("#download-close");
        String fx = onFx(() -> Thread.currentThread().getName());
        FxWatchdog watchdog;
        try (FxWatchdog w = new FxWatchdog(4)) {
            watchdog = w;
            importThroughModelsView(TINY_SD_INPAINT, "painter", false);
            clickOn("#models-download");
            fill(REPO, "onnx", "tiny");
            clickOn("#download-start");
            waitUntil("the download", () -> studio.downloads().stateProperty().get() == DownloadJob.State.DONE);
            clickOn("#download-close");
            clickOn("#model-painter");
            clickOn("#models-remove");
            clickOn("#remove-confirm");
            waitUntil("painter removed", () -> studio.library().entries().stream().noneMatch(e -> e.name().equals("painter")));
        }
        // The library was opened, listed (the embedded model looked up), copied into and downloaded into: never on the FX thread.
        assertTrue(libraryThreads.contains("model-library"), libraryThreads.toString());
        assertTrue(libraryThreads.contains("model-download"), libraryThreads.toString());
        assertFalse(libraryThreads.contains(fx), libraryThreads.toString());
        assertTrue(watchdog.samples() > 30, "watchdog samples: " + watchdog.samples());
        assertTrue(watchdog.maxBusyMillis() < 100, "the FX thread was busy for " + watchdog.maxBusyMillis() + " ms, in:"
                + watchdog.busiestStacks());
        assertEquals(List.of("default", "tiny"), pickerNames());
    }
}
