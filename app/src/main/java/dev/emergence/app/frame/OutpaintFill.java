package dev.emergence.app.frame;

/**
 * How the part of the frame past the canvas is filled before an outpainting run, as AUTOMATIC1111's
 * and Krita's fill modes do: the model repaints it, but it starts from these colours.
 */
public enum OutpaintFill {
    /** The edge pixels stretched outwards. */
    EDGE("Edge colours"),
    /** The stretched edge, blurred: the surroundings' colours without their detail. */
    BLUR("Blurred surroundings"),
    /** The blurred surroundings with noise, for more invention. */
    NOISE("Noise");

    private final String label;

    OutpaintFill(String label) {
        this.label = label;
    }

    public String label() { return label; }

    @Override
    public String toString() { return label; }
}
