package dev.emergence.engine.control;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.emergence.engine.InvalidRequestException;

/**
 * One ControlNet of a request, as it is serialised into a picture: which ControlNet, how its control
 * picture was made, and how strongly and when it steers (diffusers' controlnet_conditioning_scale,
 * control_guidance_start and control_guidance_end). The control picture itself is passed beside the
 * request; its hash is recorded here so a picture names the exact control it was made with.
 *
 * @param model         the ControlNet's folder, as given (a path)
 * @param image         where the control picture came from (informational; may be null)
 * @param imageSha256   SHA-256 of the control picture's pixels ({@link ControlPictures#sha256}); filled in by the pipeline
 * @param preprocessor  how the control picture is made from the picture given; null is {@link PreprocessorKind#NONE}
 * @param weight        the residuals are multiplied by it (0 to {@value #MAX_WEIGHT}; 1 is full strength)
 * @param guidanceStart the fraction of the schedule's steps before which the ControlNet does not act (0 to 1)
 * @param guidanceEnd   the fraction after which it no longer acts (above the start, at most 1)
 * @param cannyLow      Canny's lower threshold; null is {@value CannyPreprocessor#DEFAULT_LOW}
 * @param cannyHigh     Canny's upper threshold; null is {@value CannyPreprocessor#DEFAULT_HIGH}
 * @param cannyL2       Canny's L2 gradient; null is false (OpenCV's default, L1)
 * @param modelHash     the ControlNet's short hash ({@code OnnxControlNet.shortHash}); filled in by the pipeline
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ControlUnit(String model, String image, String imageSha256, PreprocessorKind preprocessor, double weight,
                          double guidanceStart, double guidanceEnd, Double cannyLow, Double cannyHigh, Boolean cannyL2,
                          String modelHash) {
    public static final double MAX_WEIGHT = 2.0;
    public static final double MAX_THRESHOLD = 1000;

    @JsonCreator
    public ControlUnit {
        if (preprocessor == null) preprocessor = PreprocessorKind.NONE;
        if (preprocessor != PreprocessorKind.CANNY) {
            cannyLow = null;
            cannyHigh = null;
            cannyL2 = null;
        }
    }

    /** A unit at full strength over the whole schedule. */
    public ControlUnit(String model, PreprocessorKind preprocessor) {
        this(model, null, null, preprocessor, 1.0, 0.0, 1.0, null, null, null, null);
    }

    /** A unit with its weight and range. */
    public ControlUnit(String model, PreprocessorKind preprocessor, double weight, double guidanceStart, double guidanceEnd) {
        this(model, null, null, preprocessor, weight, guidanceStart, guidanceEnd, null, null, null, null);
    }

    public double cannyLowOrDefault() {
        return cannyLow == null ? CannyPreprocessor.DEFAULT_LOW : cannyLow;
    }

    public double cannyHighOrDefault() {
        return cannyHigh == null ? CannyPreprocessor.DEFAULT_HIGH : cannyHigh;
    }

    public boolean cannyL2OrDefault() {
        return cannyL2 != null && cannyL2;
    }

    /** The preprocessor with this unit's settings. */
    public ControlPreprocessor createPreprocessor() {
        return preprocessor.create(this);
    }

    /**
     * Checks the ranges, naming the unit as {@code what} ("control 1").
     */
    public void validate(String what) throws InvalidRequestException {
        if (model == null || model.isBlank()) throw new InvalidRequestException(what + ": no ControlNet model given; expected a ControlNet folder");
        if (!(weight >= 0 && weight <= MAX_WEIGHT)) {
            throw new InvalidRequestException(what + ": weight " + weight + " is out of range; expected 0 to " + MAX_WEIGHT);
        }
        if (!(guidanceStart >= 0 && guidanceStart <= 1) || !(guidanceEnd >= 0 && guidanceEnd <= 1) || !(guidanceStart < guidanceEnd)) {
            throw new InvalidRequestException(what + ": start " + guidanceStart + " and end " + guidanceEnd
                    + " are not a part of the schedule; expected 0 <= start < end <= 1");
        }
        for (Double t : new Double[] {cannyLow, cannyHigh}) {
            if (t != null && !(t >= 0 && t <= MAX_THRESHOLD)) {
                throw new InvalidRequestException(what + ": Canny threshold " + t + " is out of range; expected 0 to " + (int) MAX_THRESHOLD);
            }
        }
    }

    /**
     * Whether the ControlNet acts at loop step {@code i} of {@code n}: diffusers' controlnet_keep,
     * {@code 1 − (i/n < start or (i+1)/n > end)}.
     */
    public boolean activeAt(int i, int n) {
        return !((double) i / n < guidanceStart || (double) (i + 1) / n > guidanceEnd);
    }

    public ControlUnit withHashes(String imageHash, String netHash) {
        return new ControlUnit(model, image, imageHash, preprocessor, weight, guidanceStart, guidanceEnd, cannyLow, cannyHigh, cannyL2, netHash);
    }

    public ControlUnit withImage(String source) {
        return new ControlUnit(model, source, imageSha256, preprocessor, weight, guidanceStart, guidanceEnd, cannyLow, cannyHigh, cannyL2, modelHash);
    }

    public ControlUnit withCanny(double low, double high, boolean l2) {
        return new ControlUnit(model, image, imageSha256, preprocessor, weight, guidanceStart, guidanceEnd, low, high, l2, modelHash);
    }
}
