package dev.emergence.engine.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.control.ControlInfotext;
import dev.emergence.engine.image.A1111Parameters;
import dev.emergence.engine.image.ImageException;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.scheduler.A1111Sampling;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pictures as files: PNG with AUTOMATIC1111's {@code parameters} text (so other tools read our
 * pictures) and our own JSON chunk with the full request (so we reproduce them exactly).
 */
public final class GenerationPng {
    /** The PNG text key of our JSON chunk. */
    public static final String REQUEST_KEY = "emergence-request";
    public static final String PARAMETERS_KEY = "parameters";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private GenerationPng() {
    }

    /** Writes atomically: the file appears complete or not at all. */
    public static void save(Path target, BufferedImage image, GenerationRequest request, GenerationMode mode) throws IOException {
        save(target, image, request, mode, Map.of());
    }

    /**
     * As {@link #save(Path, BufferedImage, GenerationRequest, GenerationMode)}, for a picture made with
     * LoRAs: {@code loraHashes} (a LoRA's name as the prompt names it, to its hash, see
     * {@link dev.emergence.engine.lora.LoraLibrary#shortHash}) are written as AUTOMATIC1111 writes them,
     * {@code Lora hashes: "name: 0123456789ab, name2: ..."}.
     */
    public static void save(Path target, BufferedImage image, GenerationRequest request, GenerationMode mode,
                            Map<String, String> loraHashes) throws IOException {
        Map<String, String> chunks = new LinkedHashMap<>();
        chunks.put(PARAMETERS_KEY, toA1111(request, mode, loraHashes).format());
        chunks.put(REQUEST_KEY, toJson(request));
        PngMetadata.write(target, image, chunks);
    }

    /**
     * The parameters AUTOMATIC1111 would write for the request: its Sampler and Schedule type
     * names (e.g. "DPM++ 2M" with "Karras"; "Automatic" for samplers that take no schedule type).
     */
    public static A1111Parameters toA1111(GenerationRequest r, GenerationMode mode) {
        return toA1111(r, mode, Map.of());
    }

    /** As {@link #toA1111(GenerationRequest, GenerationMode)}, with the LoRAs' {@code Lora hashes}. */
    public static A1111Parameters toA1111(GenerationRequest r, GenerationMode mode, Map<String, String> loraHashes) {
        Double strength = mode == GenerationMode.TXT2IMG ? null : r.strength();
        LinkedHashMap<String, String> extra = new LinkedHashMap<>();
        extra.put(SCHEDULE_TYPE, A1111Sampling.label(r.scheduler(), r.schedule()));
        // create_infotext writes "Clip skip" only above 1.
        if (r.clipSkipOrDefault() > 1) extra.put(CLIP_SKIP, Integer.toString(r.clipSkipOrDefault()));
        if (!loraHashes.isEmpty()) {
            // extra_networks_lora.py: f"{alias}: {shorthash}" joined by ", ", the name without ':' and ','
            List<String> items = new ArrayList<>();
            loraHashes.forEach((name, hash) -> items.add(name.replace(":", "").replace(",", "") + ": " + hash));
            extra.put(LORA_HASHES, String.join(", ", items));
        }
        // The ControlNet extension's entries (the extension writes them after the core parameters).
        extra.putAll(ControlInfotext.entries(r.controls(), r.width(), r.height()));
        return new A1111Parameters(r.prompt(), r.negativePrompt(), r.steps(), r.scheduler().a1111Name(), r.cfgScale(),
                r.seed(), r.width(), r.height(), r.model(), strength, extra);
    }

    private static final String SCHEDULE_TYPE = "Schedule type";
    /** Entries of AUTOMATIC1111's parameters the engine applies, besides those A1111Parameters has fields for. */
    private static final String CLIP_SKIP = "Clip skip";
    /** Written with the LoRAs a picture was made with; read back, the prompt's LoRA tags apply them. */
    private static final String LORA_HASHES = "Lora hashes";
    private static final Set<String> APPLIED = Set.of(SCHEDULE_TYPE, CLIP_SKIP, LORA_HASHES);
    /** Entries that say where a picture came from rather than how it was made. */
    private static final Set<String> NOT_SETTINGS = Set.of("Version", "User");

    /**
     * A picture's request and what of its parameters the engine does not apply.
     *
     * @param ignored one item per entry of another tool's parameters left unused ("Model hash",
     *                "<lora:name:0.8> in the prompt", ...); empty for the engine's own pictures
     * @param fromAPicture another tool's parameters describe an image-to-image picture: they have a
     *                Denoising strength that is not the Hires fix's (AUTOMATIC1111 writes one only then),
     *                which the request holds and which only applies given an init image
     */
    public record Read(GenerationRequest request, List<String> ignored, boolean fromAPicture) {
        public Read {
            ignored = List.copyOf(ignored);
        }

        public Read(GenerationRequest request, List<String> ignored) {
            this(request, ignored, false);
        }

        /** This read with one more item named as ignored. */
        public Read alsoIgnoring(String item) {
            List<String> more = new ArrayList<>(ignored);
            more.add(item);
            return new Read(request, more, fromAPicture);
        }

        /** The one line telling the user what was ignored, or empty when nothing was. */
        public java.util.Optional<String> notice(Path png) {
            if (ignored.isEmpty()) return java.util.Optional.empty();
            return java.util.Optional.of(png.getFileName() + ": ignored what the engine cannot apply: " + String.join(", ", ignored));
        }
    }

    public static String toJson(GenerationRequest request) {
        try {
            return JSON.writeValueAsString(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a request always serialises", e);
        }
    }

    /**
     * A request from the JSON {@link #toJson} writes (a project file keeps its generations so).
     *
     * @throws InvalidRequestException when the text is not a valid request
     */
    public static GenerationRequest fromJson(String json, String source) throws InvalidRequestException {
        try {
            return JSON.readValue(json, GenerationRequest.class);
        } catch (IOException e) {
            throw new InvalidRequestException(source + ": not a valid request (" + oneLine(e) + ")");
        }
    }

    /**
     * The request a PNG was made from: our JSON chunk when present, else AUTOMATIC1111's parameters.
     *
     * @throws InvalidRequestException when the file has neither, or they cannot be read
     */
    public static GenerationRequest readRequest(Path png) throws InvalidRequestException {
        return read(png).request();
    }

    /**
     * As {@link #readRequest}, with what the engine leaves unused of another tool's parameters: the
     * model (it is chosen by the user), hashes, Hires fix, variation seeds and every
     * other entry it has no setting for, and the extra-network tags ({@code <lora:name:0.8>})
     * AUTOMATIC1111 takes out of the prompts before encoding them (they are taken out here too).
     *
     * @throws InvalidRequestException when the file has neither, or they cannot be read
     */
    public static Read read(Path png) throws InvalidRequestException {
        Map<String, String> chunks;
        try {
            chunks = PngMetadata.read(png);
        } catch (ImageException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
        String json = chunks.get(REQUEST_KEY);
        if (json != null) {
            try {
                return new Read(JSON.readValue(json, GenerationRequest.class), List.of());
            } catch (IOException e) {
                throw new InvalidRequestException(png.getFileName() + ": its " + REQUEST_KEY + " text is not a valid request (" + oneLine(e) + ")");
            }
        }
        String params = chunks.get(PARAMETERS_KEY);
        if (params == null) {
            throw new InvalidRequestException(png.getFileName() + ": has no generation parameters; expected a PNG made by this studio or by AUTOMATIC1111");
        }
        A1111Parameters p;
        try {
            p = A1111Parameters.parse(params);
        } catch (RuntimeException e) {
            throw new InvalidRequestException(png.getFileName() + ": its parameters text cannot be read (" + oneLine(e) + ")");
        }
        return fromA1111(p, png.getFileName().toString());
    }

    /**
     * The request AUTOMATIC1111's parameters describe, read as AUTOMATIC1111 reads them (see
     * {@link A1111Sampling#read}), and what of them the engine does not apply.
     *
     * @param source names the parameters in errors, e.g. the file name
     * @throws InvalidRequestException the sampler or schedule type is not one the engine has
     */
    public static Read fromA1111(A1111Parameters p, String source) throws InvalidRequestException {
        Map<String, String> extra = p.extra();
        A1111Sampling.Choice choice;
        try {
            choice = A1111Sampling.read(p.sampler(), extra.get(SCHEDULE_TYPE));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(source + ": " + e.getMessage());
        }
        List<String> ignored = new ArrayList<>();
        if (p.model() != null && !p.model().isEmpty()) ignored.add("Model");
        choice.ignored().ifPresent(ignored::add);
        // A text-to-image picture with Hires fix writes the strength of its second pass.
        boolean hires = extra.keySet().stream().anyMatch(k -> k.startsWith("Hires "));
        if (hires && p.denoisingStrength() != null) ignored.add("Denoising strength (of the Hires fix)");
        for (String key : extra.keySet()) {
            if (!APPLIED.contains(key) && !NOT_SETTINGS.contains(key)) ignored.add(key);
        }
        // LoRA tags stay in the prompt, where generating applies them (or names them missing); the others go.
        ExtraNetworks prompt = ExtraNetworks.strip(p.prompt()), negative = ExtraNetworks.strip(p.negativePrompt());
        for (String tag : prompt.otherTags()) ignored.add(tag + " in the prompt");
        for (String tag : negative.tags()) ignored.add(tag + " in the negative prompt");
        String promptText = ExtraNetworks.withoutOtherTags(p.prompt());
        double strength = p.denoisingStrength() != null && !hires ? p.denoisingStrength() : GenerationRequest.DEFAULT_STRENGTH;
        Integer clipSkip = null;
        String skip = extra.get(CLIP_SKIP);
        if (skip != null) {
            try {
                clipSkip = Integer.parseInt(skip.strip());
            } catch (NumberFormatException e) {
                throw new InvalidRequestException(source + ": Clip skip '" + skip + "' is not a whole number; expected 1 to "
                        + GenerationRequest.MAX_CLIP_SKIP);
            }
        }
        GenerationRequest r = new GenerationRequest(promptText, negative.text(), p.width(), p.height(), p.steps(), p.cfgScale(),
                p.seed(), choice.kind(), choice.schedule(), strength, 0, null, null, p.model(), clipSkip);
        return new Read(r, ignored, p.denoisingStrength() != null && !hires);
    }

    private static String oneLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
