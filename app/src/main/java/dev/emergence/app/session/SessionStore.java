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
import java.util.Optional;

/**
 * The session folder: {@code session.json} and the canvas layers {@code paint.png} and
 * {@code mask.png}. Every file is written atomically (complete or not at all), so a crash while
 * saving leaves the previous save readable. Safe to call from a background thread.
 */
public final class SessionStore {
    static final String STATE = "session.json";
    static final String PAINT = "paint.png";
    static final String MASK = "mask.png";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path folder;

    public SessionStore(Path folder) {
        this.folder = folder;
    }

    public Path folder() { return folder; }

    public void saveState(SessionState state) throws IOException {
        Files.createDirectories(folder);
        AtomicFiles.writeBytes(folder.resolve(STATE), JSON.writeValueAsBytes(state));
    }

    /** The saved state, or empty when there is none; a damaged file reads as none (with the reason thrown away). */
    public Optional<SessionState> loadState() {
        Path f = folder.resolve(STATE);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            return Optional.of(JSON.readValue(f.toFile(), SessionState.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Saves both layers (lossless ARGB PNG). */
    public void saveLayers(Layer paint, Layer mask) throws IOException {
        Files.createDirectories(folder);
        writePng(folder.resolve(PAINT), paint);
        writePng(folder.resolve(MASK), mask);
    }

    /** Both layers as saved, when both are there, readable and of one size. */
    public Optional<Layer[]> loadLayers() {
        try {
            Path p = folder.resolve(PAINT), m = folder.resolve(MASK);
            if (!Files.isRegularFile(p) || !Files.isRegularFile(m)) return Optional.empty();
            BufferedImage pi = ImageIO.read(p.toFile()), mi = ImageIO.read(m.toFile());
            if (pi == null || mi == null || pi.getWidth() != mi.getWidth() || pi.getHeight() != mi.getHeight()) return Optional.empty();
            return Optional.of(new Layer[] {Layer.fromImage(pi), Layer.fromImage(mi)});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void writePng(Path target, Layer layer) throws IOException {
        BufferedImage img = new BufferedImage(layer.width(), layer.height(), BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, layer.width(), layer.height(), layer.pixels(), 0, layer.width());
        AtomicFiles.write(target, os -> ImageIO.write(img, "png", os));
    }
}
