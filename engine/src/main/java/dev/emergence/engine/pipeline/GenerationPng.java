package dev.emergence.engine.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.image.A1111Parameters;
import dev.emergence.engine.image.ImageException;
import dev.emergence.engine.image.PngMetadata;
import dev.emergence.engine.scheduler.SchedulerKind;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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
        Map<String, String> chunks = new LinkedHashMap<>();
        chunks.put(PARAMETERS_KEY, toA1111(request, mode).format());
        chunks.put(REQUEST_KEY, toJson(request));
        PngMetadata.write(target, image, chunks);
    }

    public static A1111Parameters toA1111(GenerationRequest r, GenerationMode mode) {
        Double strength = mode == GenerationMode.TXT2IMG ? null : r.strength();
        return new A1111Parameters(r.prompt(), r.negativePrompt(), r.steps(), r.scheduler().a1111Name(), r.cfgScale(),
                r.seed(), r.width(), r.height(), r.model(), strength, new LinkedHashMap<>());
    }

    public static String toJson(GenerationRequest request) {
        try {
            return JSON.writeValueAsString(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a request always serialises", e);
        }
    }

    /**
     * The request a PNG was made from: our JSON chunk when present, else AUTOMATIC1111's parameters.
     *
     * @throws InvalidRequestException when the file has neither, or they cannot be read
     */
    public static GenerationRequest readRequest(Path png) throws InvalidRequestException {
        Map<String, String> chunks;
        try {
            chunks = PngMetadata.read(png);
        } catch (ImageException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
        String json = chunks.get(REQUEST_KEY);
        if (json != null) {
            try {
                return JSON.readValue(json, GenerationRequest.class);
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
        SchedulerKind kind = SchedulerKind.parse(p.sampler()).orElseThrow(() -> new InvalidRequestException(
                png.getFileName() + ": sampler '" + p.sampler() + "' is not one this studio has; expected one of " + SchedulerKind.cliNames()));
        double strength = p.denoisingStrength() != null ? p.denoisingStrength() : GenerationRequest.DEFAULT_STRENGTH;
        return new GenerationRequest(p.prompt(), p.negativePrompt(), p.width(), p.height(), p.steps(), p.cfgScale(),
                p.seed(), kind, strength, 0, null, null, p.model());
    }

    private static String oneLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
