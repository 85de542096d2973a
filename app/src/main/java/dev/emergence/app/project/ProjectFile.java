package dev.emergence.app.project;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.DocLayer;
import dev.emergence.app.canvas.DocumentCopy;
import dev.emergence.app.canvas.Layer;
import dev.emergence.app.canvas.Rect;
import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.io.AtomicFiles;
import dev.emergence.engine.pipeline.GenerationMode;
import dev.emergence.engine.pipeline.GenerationPng;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The studio's project file: one zip holding {@code project.json} (the layer stack, the frame,
 * the generation history with full requests), every layer as a lossless PNG, the mask, and a
 * thumbnail. Written to a temporary name and renamed. Read defensively: only the entries the JSON
 * names (by a fixed pattern), each size bounded before it is decoded, so a hostile file gets one
 * line saying what is wrong and nothing else happens.
 */
public final class ProjectFile {
    public static final String EXTENSION = ".emproj";
    static final String FORMAT = "emergence-project";
    static final int VERSION = 1;
    static final String JSON_ENTRY = "project.json";
    static final String MASK_ENTRY = "mask.png";
    static final String THUMBNAIL_ENTRY = "thumbnail.png";
    static final int MAX_LAYERS = 256;
    static final int MAX_GENERATIONS = 10_000;
    private static final int THUMBNAIL_SIZE = 256;
    private static final long MAX_JSON_BYTES = 32L << 20;
    /** A PNG of the largest canvas compresses to less than its raw size (plus headers). */
    private static final long MAX_PNG_BYTES = 4L * CanvasDocument.MAX_SIDE * CanvasDocument.MAX_SIDE + (1 << 20);
    private static final Pattern LAYER_ENTRY = Pattern.compile("layers/[0-9]{1,4}\\.png");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProjectFile() {
    }

    // ---- writing

    public static void write(Path target, Project p) throws IOException {
        write(target, p, null);
    }

    /**
     * Writes the project; with a cache, a layer whose pixels the copy left out is written from the
     * PNG cached for its revision, and the cache then holds what this file holds.
     */
    public static void write(Path target, Project p, LayerPngCache cache) throws IOException {
        DocumentCopy d = p.document();
        Map<long[], byte[]> used = new java.util.LinkedHashMap<>();
        List<byte[]> layerPngs = new ArrayList<>();
        for (DocumentCopy.LayerCopy l : d.layers()) layerPngs.add(pngOf(l.pixels(), l.id(), l.revision(), cache, used));
        byte[] maskPng = pngOf(d.mask(), d.maskId(), d.maskRevision(), cache, used);
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("width", d.width());
        root.put("height", d.height());
        root.put("sizeChosen", d.sizeChosen());
        root.set("frame", rect(d.frame()));
        root.put("activeLayer", d.activeIndex());
        ArrayNode layers = root.putArray("layers");
        for (int i = 0; i < d.layers().size(); i++) {
            DocumentCopy.LayerCopy l = d.layers().get(i);
            ObjectNode n = layers.addObject();
            n.put("name", l.state().name());
            n.put("opacity", l.state().opacity());
            n.put("visible", l.state().visible());
            n.put("locked", l.state().locked());
            n.put("file", "layers/" + i + ".png");
            if (l.generation() >= 0) {
                n.put("generation", l.generation());
                n.put("edited", l.edited());
            }
        }
        root.putObject("mask").put("file", MASK_ENTRY);
        ArrayNode gens = root.putArray("generations");
        for (GenerationRecord g : p.generations()) {
            ObjectNode n = gens.addObject();
            n.set("request", JSON.readTree(GenerationPng.toJson(g.request())));
            n.put("mode", g.mode().name());
            n.set("region", rect(g.region()));
            n.put("layer", g.layerName());
        }
        root.put("thumbnail", THUMBNAIL_ENTRY);
        AtomicFiles.write(target, os -> {
            ZipOutputStream zip = new ZipOutputStream(os);
            put(zip, JSON_ENTRY, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            for (int i = 0; i < d.layers().size(); i++) put(zip, "layers/" + i + ".png", layerPngs.get(i));
            put(zip, MASK_ENTRY, maskPng);
            put(zip, THUMBNAIL_ENTRY, thumbnail(d));
            zip.finish();
        });
        if (cache != null) cache.keepOnly(used);
    }

    private static byte[] pngOf(Layer pixels, long id, long revision, LayerPngCache cache, Map<long[], byte[]> used) throws IOException {
        byte[] b = pixels != null ? png(pixels) : cache == null ? null : cache.get(id, revision);
        if (b == null) throw new IllegalStateException("layer " + id + " revision " + revision + " has neither pixels nor a cached PNG");
        if (id >= 0) used.put(new long[] {id, revision}, b);
        return b;
    }

    private static ObjectNode rect(Rect r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("x", r.x());
        n.put("y", r.y());
        n.put("width", r.width());
        n.put("height", r.height());
        return n;
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    private static byte[] png(Layer l) throws IOException {
        BufferedImage img = new BufferedImage(l.width(), l.height(), BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, l.width(), l.height(), l.pixels(), 0, l.width());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static byte[] thumbnail(DocumentCopy d) throws IOException {
        if (d.thumbnail() != null) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(d.thumbnail(), "png", out);
            return out.toByteArray();
        }
        BufferedImage flat = d.flattenedOnWhite();
        double k = Math.min(1.0, (double) THUMBNAIL_SIZE / Math.max(d.width(), d.height()));
        int w = Math.max(1, (int) Math.round(d.width() * k)), h = Math.max(1, (int) Math.round(d.height() * k));
        int[] px = dev.emergence.app.frame.Resample.scale(flat.getRGB(0, 0, d.width(), d.height(), null, 0, d.width()), d.width(), d.height(), w, h);
        BufferedImage t = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        t.setRGB(0, 0, w, h, px, 0, w);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(t, "png", out);
        return out.toByteArray();
    }

    // ---- reading

    /**
     * Reads a project file.
     *
     * @throws ProjectException (one line: the file, what is wrong, what was expected)
     */
    public static Project read(Path file) throws ProjectException {
        String name = String.valueOf(file.getFileName());
        try (ZipFile zip = new ZipFile(file.toFile())) {
            JsonNode root;
            try {
                root = JSON.readTree(entry(zip, JSON_ENTRY, MAX_JSON_BYTES, name));
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new ProjectException(name + ": " + JSON_ENTRY + " is not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (!root.isObject() || !FORMAT.equals(root.path("format").asText())) {
                throw new ProjectException(name + ": not a project of this studio (" + JSON_ENTRY + " lacks \"format\": \"" + FORMAT + "\")");
            }
            int version = root.path("version").asInt(-1);
            if (version < 1 || version > VERSION) {
                throw new ProjectException(name + ": project version " + root.path("version") + "; this studio reads versions 1 to " + VERSION);
            }
            int w = intIn(root, "width", 1, CanvasDocument.MAX_SIDE, name), h = intIn(root, "height", 1, CanvasDocument.MAX_SIDE, name);
            JsonNode ls = root.path("layers");
            if (!ls.isArray() || ls.isEmpty() || ls.size() > MAX_LAYERS) {
                throw new ProjectException(name + ": \"layers\" must list 1 to " + MAX_LAYERS + " layers");
            }
            try {
                CanvasDocument.checkSize(w, h);
            } catch (IllegalArgumentException e) {
                throw new ProjectException(name + ": " + e.getMessage());
            }
            // Every layer and the mask are decoded at the canvas's size: refuse what memory cannot hold before decoding any.
            long need = 4L * w * h * (ls.size() + 1);
            Runtime rt = Runtime.getRuntime();
            long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
            if (need > free) {
                throw new ProjectException(name + ": " + ls.size() + " layers of " + w + "x" + h + " need about " + (need >> 20) + " MiB and "
                        + (free >> 20) + " MiB are free; give the studio more memory to open it");
            }
            List<DocumentCopy.LayerCopy> layers = new ArrayList<>();
            for (int i = 0; i < ls.size(); i++) {
                JsonNode n = ls.get(i);
                String entry = n.path("file").asText("");
                if (!LAYER_ENTRY.matcher(entry).matches()) {
                    throw new ProjectException(name + ": layer " + (i + 1) + " names the file \"" + entry + "\"; expected layers/N.png");
                }
                double opacity = n.path("opacity").asDouble(1);
                if (!(opacity >= 0 && opacity <= 1)) throw new ProjectException(name + ": layer " + (i + 1) + " has opacity " + opacity + "; expected 0 to 1");
                DocLayer.State s = new DocLayer.State(n.path("name").asText("Layer " + (i + 1)), opacity,
                        n.path("visible").asBoolean(true), n.path("locked").asBoolean(false));
                layers.add(new DocumentCopy.LayerCopy(s, picture(zip, entry, w, h, name), n.path("generation").asInt(-1),
                        n.path("edited").asBoolean(false)));
            }
            Layer mask = picture(zip, MASK_ENTRY, w, h, name);
            Rect frame = rectOf(root.path("frame"), name, "frame");
            if (frame == null) frame = new Rect(0, 0, w, h);
            int active = Math.max(0, Math.min(layers.size() - 1, root.path("activeLayer").asInt(layers.size() - 1)));
            List<GenerationRecord> gens = new ArrayList<>();
            JsonNode gs = root.path("generations");
            if (gs.isArray()) {
                if (gs.size() > MAX_GENERATIONS) throw new ProjectException(name + ": more than " + MAX_GENERATIONS + " generations");
                for (int i = 0; i < gs.size(); i++) gens.add(generation(gs.get(i), i, name));
            }
            return new Project(new DocumentCopy(w, h, layers, mask, frame, active, root.path("sizeChosen").asBoolean(true)), gens);
        } catch (java.util.zip.ZipException e) {
            throw new ProjectException(name + ": not a readable zip (" + e.getMessage() + "); expected a project saved by this studio");
        } catch (IOException e) {
            throw new ProjectException(name + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    private static GenerationRecord generation(JsonNode n, int i, String name) throws ProjectException {
        GenerationMode mode;
        try {
            mode = GenerationMode.valueOf(n.path("mode").asText(""));
        } catch (IllegalArgumentException e) {
            throw new ProjectException(name + ": generation " + (i + 1) + " has mode \"" + n.path("mode").asText("") + "\"; expected TXT2IMG, IMG2IMG or INPAINT");
        }
        try {
            var request = GenerationPng.fromJson(n.path("request").toString(), name + ": generation " + (i + 1));
            Rect region = rectOf(n.path("region"), name, "generation " + (i + 1) + "'s region");
            return new GenerationRecord(request, mode, region == null ? Rect.EMPTY : region, n.path("layer").asText(""));
        } catch (InvalidRequestException e) {
            throw new ProjectException(e.getMessage());
        }
    }

    private static int intIn(JsonNode root, String field, int min, int max, String name) throws ProjectException {
        JsonNode v = root.path(field);
        if (!v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw new ProjectException(name + ": \"" + field + "\" is " + v + "; expected a whole number from " + min + " to " + max);
        }
        return v.asInt();
    }

    private static Rect rectOf(JsonNode n, String name, String what) throws ProjectException {
        if (n.isMissingNode() || n.isNull()) return null;
        int lim = 4 * CanvasDocument.MAX_SIDE;
        int[] v = new int[4];
        String[] keys = {"x", "y", "width", "height"};
        for (int k = 0; k < 4; k++) {
            JsonNode x = n.path(keys[k]);
            if (!x.canConvertToInt() || Math.abs(x.asInt()) > lim) {
                throw new ProjectException(name + ": the " + what + "'s \"" + keys[k] + "\" is " + x + "; expected a whole number of pixels");
            }
            v[k] = x.asInt();
        }
        return new Rect(v[0], v[1], v[2], v[3]);
    }

    /** A w×h picture from the zip: its size is read from the PNG header before anything is decoded. */
    private static Layer picture(ZipFile zip, String entry, int w, int h, String name) throws ProjectException, IOException {
        byte[] bytes = entry(zip, entry, MAX_PNG_BYTES, name);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("png");
            ImageReader r = readers.next();
            try {
                r.setInput(in);
                int pw = r.getWidth(0), ph = r.getHeight(0);
                if (pw != w || ph != h) throw new ProjectException(name + ": " + entry + " is " + pw + "x" + ph + "; the canvas is " + w + "x" + h);
                BufferedImage img = r.read(0);
                return Layer.fromImage(img);
            } finally {
                r.dispose();
            }
        } catch (javax.imageio.IIOException e) {
            throw new ProjectException(name + ": " + entry + " is not a readable PNG (" + e.getMessage() + ")");
        }
    }

    /** The bytes of one entry, refusing it past {@code max} bytes however its header describes it. */
    private static byte[] entry(ZipFile zip, String entry, long max, String name) throws ProjectException, IOException {
        ZipEntry e = zip.getEntry(entry);
        if (e == null || e.isDirectory()) throw new ProjectException(name + ": " + entry + " is missing; expected it in the project");
        if (e.getSize() > max) throw new ProjectException(name + ": " + entry + " is " + e.getSize() + " bytes; at most " + max + " expected");
        try (InputStream in = zip.getInputStream(e)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                // The header's size can lie; the bytes cannot.
                if (total > max) throw new ProjectException(name + ": " + entry + " unpacks to more than " + max + " bytes");
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }
}
