package dev.emergence.engine.control;

import dev.emergence.engine.model.DiffusionModels;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * What a generation needs beside a request's {@link ControlUnit}: the ControlNet itself (opened and
 * owned elsewhere: the loaded model keeps the ControlNets it opened) and the picture to make the
 * control picture from.
 *
 * @param net       the ControlNet
 * @param netHash   its short hash, recorded in the picture's parameters (may be null)
 * @param picture   the artist's picture; the unit's preprocessor turns it into the control picture
 */
public record ControlInput(DiffusionModels.ControlNet net, String netHash, BufferedImage picture) {
    public ControlInput {
        Objects.requireNonNull(net, "net");
        Objects.requireNonNull(picture, "picture");
    }
}
