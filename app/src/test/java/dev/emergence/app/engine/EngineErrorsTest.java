package dev.emergence.app.engine;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.model.ModelException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineErrorsTest {
    @Test
    void theEnginesOwnLineIsFoundUnderTheFutureWrapping() {
        Throwable t = new CompletionException(new ModelException("unet/model.onnx: truncated; expected an ONNX model"));
        assertEquals("unet/model.onnx: truncated; expected an ONNX model", EngineErrors.message(t));
        Throwable r = new CompletionException(new IllegalStateException(new InvalidRequestException("steps: 0 is out of range\nmore")));
        assertEquals("steps: 0 is out of range", EngineErrors.message(r), "one line only");
    }

    @Test
    void bugsSayTheyAreBugs() {
        assertEquals("internal error: java.lang.NullPointerException: x", EngineErrors.message(new CompletionException(new NullPointerException("x"))));
    }

    @Test
    void cancellationIsRecognisedAnywhereInTheChain() {
        assertTrue(EngineErrors.isCancellation(new CompletionException(new CancellationException("generation cancelled"))));
        assertFalse(EngineErrors.isCancellation(new CompletionException(new ModelException("m"))));
    }
}
