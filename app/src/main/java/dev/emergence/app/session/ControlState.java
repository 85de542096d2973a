package dev.emergence.app.session;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One ControlNet card of the saved session. Boxed types: a field a file lacks is null and keeps the
 * card's default. The opened picture is saved as the file it came from, read again at restore.
 *
 * @param model       the ControlNet's folder
 * @param source      {@code ControlSource} by name
 * @param pictureFile the opened picture's file, for the picture source
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ControlState(Boolean enabled, String model, String source, String pictureFile, String preprocessor,
                           Double weight, Double start, Double end, Double cannyLow, Double cannyHigh) {
}
