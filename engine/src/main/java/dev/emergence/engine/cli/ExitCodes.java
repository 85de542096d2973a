package dev.emergence.engine.cli;

/** The command line's exit codes, distinct per kind of failure so scripts can tell them apart. */
public final class ExitCodes {
    public static final int OK = 0;
    /** An unexpected failure inside the engine (a bug): reported with its stack trace. */
    public static final int INTERNAL = 1;
    /** The command line itself is wrong: unknown option, missing value. */
    public static final int USAGE = 2;
    /** The model folder is missing, corrupt or not a Stable Diffusion ONNX export. */
    public static final int BAD_MODEL = 3;
    /** A parameter or input file is out of range or unreadable. */
    public static final int BAD_INPUT = 4;
    /** Stopped by the user. */
    public static final int CANCELLED = 130;

    private ExitCodes() {
    }
}
