package dev.emergence.engine.pipeline;

import dev.emergence.engine.InvalidRequestException;
import dev.emergence.engine.scheduler.SchedulerKind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The request's own checks, before any model is involved. */
class GenerationRequestTest {
    private static GenerationRequest request(String prompt, String negative) {
        return new GenerationRequest(prompt, negative, 64, 64, 4, 7.5, 1, SchedulerKind.EULER, 0.8, 0, null, null, null);
    }

    @Test
    void promptsUpToTheBoundAreAccepted() {
        String longest = "x".repeat(GenerationRequest.MAX_PROMPT_CHARS);
        assertDoesNotThrow(() -> request(longest, longest).validate());
        assertDoesNotThrow(() -> request("", "").validate());
        // Characters outside the BMP count once each, not as their two UTF-16 units.
        assertDoesNotThrow(() -> request("\uD83C\uDFA8".repeat(GenerationRequest.MAX_PROMPT_CHARS), "").validate());
    }

    @Test
    void aPromptPastTheBoundIsRefusedWithOneLine() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> request("x".repeat(1 << 20), "").validate());
        assertEquals("prompt: 1048576 characters is too long; expected at most 16384 characters", e.getMessage());
        e = assertThrows(InvalidRequestException.class,
                () -> request("a cat", "y".repeat(GenerationRequest.MAX_PROMPT_CHARS + 1)).validate());
        assertEquals("negative prompt: 16385 characters is too long; expected at most 16384 characters", e.getMessage());
        e = assertThrows(InvalidRequestException.class,
                () -> request("\uD83C\uDFA8".repeat(GenerationRequest.MAX_PROMPT_CHARS + 1), "").validate());
        assertEquals("prompt: 16385 characters is too long; expected at most 16384 characters", e.getMessage());
    }
}
