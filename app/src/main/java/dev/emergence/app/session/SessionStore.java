package dev.emergence.app.session;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.emergence.app.canvas.Layer;
import dev.emergence.engine.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The session folder: {@code session.json} and the canvas layers {@code paint.png} and
 * {@code mask.png}. Every file is written atomically (complete or not at all), so a crash while
 * saving leaves the previous save readable. Reading keeps whatever is still readable and moves a
 * damaged file aside ({@link KeptFile}) before anything can write over it. Safe to call from a
 * background thread.
 */
public final class SessionStore {
    static final String STATE = "session.json";
    static final String PAINT = "paint.png";
    static final String MASK = "mask.png";
    /** The document as a project file; paint.png and mask.png are what earlier studios saved. */
    static final String DOCUMENT = "document" + dev.emergence.app.project.ProjectFile.EXTENSION;

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * A session as read back.
     *
     * @param state    the readable part of session.json (empty when there is none or nothing was readable)
     * @param layers   paint and mask of one size, when at least one of them was readable
     * @param restored one phrase per part restored from a damaged session ("6 settings", "the paint")
     * @param kept     the damaged files, moved aside
     */
    public record Loaded(Optional<SessionState> state, Optional<Layer[]> layers, Optional<dev.emergence.app.project.Project> document,
                         List<String> restored, List<KeptFile> kept, Path folder) {
        public boolean damaged() {
            return !kept.isEmpty();
        }

        /** One line for the status bar: what was kept, where, and what came back. */
        public String notice() {
            String files = String.join(", ", kept.stream().map(k -> k.keptAs().getFileName() + " (" + k.why() + ")").toList());
            return "Damaged session kept as " + files + " in " + folder + " · restored "
                    + (restored.isEmpty() ? "nothing" : String.join(", ", restored));
        }
    }

    private final Path folder;
    private final DamagedFiles damaged;

    public SessionStore(Path folder) {
        this(folder, Clock.systemDefaultZone());
    }

    SessionStore(Path folder, Clock clock) {
        this.folder = folder;
        this.damaged = new DamagedFiles(clock);
    }

    public Path folder() { return folder; }

    public void saveState(SessionState state) throws IOException {
        Files.createDirectories(folder);
        AtomicFiles.writeBytes(folder.resolve(STATE), JSON.writeValueAsBytes(state));
    }

    /** Reads the session; damaged files are moved aside (call before anything autosaves). */
    public Loaded load() {
        List<KeptFile> kept = new ArrayList<>();
        List<String> restored = new ArrayList<>();
        Optional<SessionState> state = loadState(kept, restored);
        Optional<dev.emergence.app.project.Project> document = loadDocument(kept, restored);
        Optional<Layer[]> layers = document.isPresent() ? Optional.empty() : loadLayers(kept, restored);
        return new Loaded(state, layers, document, kept.isEmpty() ? List.of() : restored, kept, folder);
    }

    /** Saves the document (every layer, the frame, the generations) as one project file. */
    public void saveDocument(dev.emergence.app.project.Project p) throws IOException {
        saveDocument(p, null);
    }

    /** As above, reusing the cached PNGs of layers that did not change (see {@link dev.emergence.app.project.LayerPngCache}). */
    public void saveDocument(dev.emergence.app.project.Project p, dev.emergence.app.project.LayerPngCache cache) throws IOException {
        Files.createDirectories(folder);
        dev.emergence.app.project.ProjectFile.write(folder.resolve(DOCUMENT), p, cache);
    }

    private Optional<dev.emergence.app.project.Project> loadDocument(List<KeptFile> kept, List<String> restored) {
        Path f = folder.resolve(DOCUMENT);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            dev.emergence.app.project.Project p = dev.emergence.app.project.ProjectFile.read(f);
            restored.add("the document");
            return Optional.of(p);
        } catch (dev.emergence.app.project.ProjectException e) {
            keepAside(f, e.getMessage(), kept);
            return Optional.empty();
        }
    }

    /** The saved state, or empty when there is none or it is unreadable; moves nothing aside. */
    public Optional<SessionState> loadState() {
        try {
            Path f = folder.resolve(STATE);
            if (!Files.isRegularFile(f)) return Optional.empty();
            SessionStateReader.Result r = new SessionStateReader(JSON).read(Files.readAllBytes(f));
            return r.damaged() ? Optional.empty() : r.state();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private Optional<SessionState> loadState(List<KeptFile> kept, List<String> restored) {
        Path f = folder.resolve(STATE);
        if (!Files.isRegularFile(f)) return Optional.empty();
        SessionStateReader.Result r;
        try {
            r = new SessionStateReader(JSON).read(Files.readAllBytes(f));
        } catch (IOException e) {
            r = new SessionStateReader.Result(Optional.empty(), 0, List.of("unreadable: " + e.getMessage()));
        }
        if (r.damaged()) {
            keepAside(f, String.join(", ", r.problems()), kept);
            if (r.restored() > 0) restored.add(r.restored() + " setting" + (r.restored() == 1 ? "" : "s"));
        }
        return r.state();
    }

    /** Saves both layers (lossless ARGB PNG). */
    public void saveLayers(Layer paint, Layer mask) throws IOException {
        Files.createDirectories(folder);
        writePng(folder.resolve(PAINT), paint);
        writePng(folder.resolve(MASK), mask);
    }

    /** Both layers as saved, when both are there, readable and of one size; moves nothing aside. */
    public Optional<Layer[]> loadLayers() {
        Optional<Layer> paint = read(folder.resolve(PAINT)), mask = read(folder.resolve(MASK));
        if (paint.isEmpty() || mask.isEmpty() || !sameSize(paint.get(), mask.get())) return Optional.empty();
        return Optional.of(new Layer[] {paint.get(), mask.get()});
    }

    /**
     * The layers, keeping what is readable: a paint layer that cannot be decoded is moved aside
     * (and the mask kept on blank paper); a mask that cannot be decoded or whose size disagrees
     * with the paint is moved aside and the paint kept with an empty mask. A missing file is no
     * damage (a blank layer of the other's size).
     */
    private Optional<Layer[]> loadLayers(List<KeptFile> kept, List<String> restored) {
        Path pf = folder.resolve(PAINT), mf = folder.resolve(MASK);
        Optional<Layer> paint = read(pf), mask = read(mf);
        if (paint.isEmpty() && Files.isRegularFile(pf)) keepAside(pf, "not a readable picture", kept);
        if (mask.isEmpty() && Files.isRegularFile(mf)) keepAside(mf, "not a readable picture", kept);
        if (paint.isPresent() && mask.isPresent() && !sameSize(paint.get(), mask.get())) {
            Layer p = paint.get(), m = mask.get();
            keepAside(mf, "a mask of " + m.width() + "×" + m.height() + " for a " + p.width() + "×" + p.height() + " canvas", kept);
            mask = Optional.empty();
        }
        if (paint.isEmpty() && mask.isEmpty()) return Optional.empty();
        if (paint.isPresent() && Files.isRegularFile(pf)) restored.add("the paint");
        if (mask.isPresent() && Files.isRegularFile(mf)) restored.add("the mask");
        Layer p = paint.isPresent() ? paint.get() : new Layer(mask.get().width(), mask.get().height());
        Layer m = mask.isPresent() ? mask.get() : new Layer(p.width(), p.height());
        return Optional.of(new Layer[] {p, m});
    }

    private void keepAside(Path file, String why, List<KeptFile> kept) {
        try {
            kept.add(new KeptFile(damaged.keepAside(file), why));
        } catch (IOException e) {
            // It stays under its own name; the autosave would then replace it, so say so.
            kept.add(new KeptFile(file, why + "; could not be moved aside (" + e.getMessage() + ") and will be replaced"));
        }
    }

    private static Optional<Layer> read(Path f) {
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            BufferedImage img = ImageIO.read(f.toFile());
            return img == null ? Optional.empty() : Optional.of(Layer.fromImage(img));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean sameSize(Layer a, Layer b) {
        return a.width() == b.width() && a.height() == b.height();
    }

    private static void writePng(Path target, Layer layer) throws IOException {
        BufferedImage img = new BufferedImage(layer.width(), layer.height(), BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, layer.width(), layer.height(), layer.pixels(), 0, layer.width());
        AtomicFiles.write(target, os -> ImageIO.write(img, "png", os));
    }
}
