package dev.emergence.engine.library;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Known starting models the download dialog offers, from the engine's resource {@value #RESOURCE}:
 * public hub repositories with a diffusers-layout ONNX export (or a TAESD-style preview decoder),
 * each with its revision, licence, approximate size and what it is good for.
 */
public final class Catalogue {
    static final String RESOURCE = "catalogue.json";

    /**
     * One catalogue entry.
     *
     * @param id           short, stable name ("sd15")
     * @param kind         "model" (a whole bundle) or "preview-decoder" (added to an existing model)
     * @param file         for preview decoders, the decoder's ONNX file in the repository
     * @param precision    "fp32" or "fp16"
     * @param approxBytes  roughly what the engine downloads
     * @param verifiedHere whether the engine has downloaded and opened it (false until someone has)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entry(String id, String title, String repo, String revision, String kind, String file, String family,
                        boolean inpainting, String precision, long approxBytes, String licence, String goodFor, String notes,
                        boolean verifiedHere) {

        public boolean isPreviewDecoder() {
            return "preview-decoder".equals(kind);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    private record Document(String about, List<Entry> entries) {
    }

    private final String about;
    private final List<Entry> entries;

    private Catalogue(String about, List<Entry> entries) {
        this.about = about;
        this.entries = List.copyOf(entries);
    }

    /** The catalogue shipped with the engine. */
    public static Catalogue load() {
        try (InputStream in = Catalogue.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("the engine's " + RESOURCE + " is missing from its jar");
            Document d = new ObjectMapper().readValue(in, Document.class);
            return new Catalogue(d.about(), d.entries());
        } catch (IOException e) {
            throw new UncheckedIOException("the engine's " + RESOURCE + " is unreadable", e);
        }
    }

    public String about() {
        return about;
    }

    public List<Entry> entries() {
        return entries;
    }

    public Optional<Entry> find(String id) {
        return entries.stream().filter(e -> e.id().equalsIgnoreCase(id)).findFirst();
    }
}
