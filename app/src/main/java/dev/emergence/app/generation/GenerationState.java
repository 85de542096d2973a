package dev.emergence.app.generation;

/** Where the studio stands with the engine. */
public enum GenerationState {
    /** No model is loaded: the artist must import one. */
    NO_MODEL,
    LOADING_MODEL,
    READY,
    RUNNING,
    /** Cancel was asked; the engine stops within one step. */
    CANCELLING;

    public boolean busy() {
        return this == LOADING_MODEL || this == RUNNING || this == CANCELLING;
    }
}
