package dev.emergence.app.session;

import dev.emergence.app.canvas.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionStoreTest {
    @TempDir
    Path dir;

    @Test
    void stateAndLayersRoundTrip() throws Exception {
        SessionStore store = new SessionStore(dir);
        SessionState s = new SessionState("p", "n", 7.5, 20, 42, true, 0.6, 8, "euler_a", "TINY_DECODER", 2, "MASK_BRUSH",
                12, 0.5, 0.9, 0x123456, "/models/x", null, new WindowGeometry(10, 20, 1280, 800, false));
        store.saveState(s);
        assertEquals(s, store.loadState().orElseThrow());

        Layer paint = new Layer(3, 2, new int[] {0, 0x80ff0000, 0xff00ff00, 0x01020304, 0xffffffff, 0x7f123456});
        Layer mask = new Layer(3, 2, new int[] {0xffffffff, 0, 0x80ffffff, 0, 0, 0x01ffffff});
        store.saveLayers(paint, mask);
        Layer[] back = store.loadLayers().orElseThrow();
        // PNG is lossless and non-premultiplied: every ARGB value comes back exactly.
        assertArrayEquals(paint.pixels(), back[0].pixels());
        assertArrayEquals(mask.pixels(), back[1].pixels());
        // Atomic writes leave no temporary files behind.
        try (var files = Files.list(dir)) {
            assertEquals(List.of("mask.png", "paint.png", "session.json"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void missingOrDamagedFilesReadAsNoSession() throws Exception {
        SessionStore store = new SessionStore(dir.resolve("none"));
        assertTrue(store.loadState().isEmpty());
        assertTrue(store.loadLayers().isEmpty());
        Files.writeString(dir.resolve(SessionStore.STATE), "{\"prompt\": ");
        assertTrue(new SessionStore(dir).loadState().isEmpty());
    }

    @Test
    void unknownFieldsFromANewerStudioAreIgnored() throws Exception {
        // "importedModels" is what studios before the model library wrote: read past like any unknown field.
        Files.writeString(dir.resolve(SessionStore.STATE), "{\"prompt\":\"hi\",\"steps\":9,\"someday\":true,\"importedModels\":[\"/m\"]}");
        SessionState s = new SessionStore(dir).loadState().orElseThrow();
        assertEquals("hi", s.prompt());
        assertEquals(9, s.steps());
    }
}
