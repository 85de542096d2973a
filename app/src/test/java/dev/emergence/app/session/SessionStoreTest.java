package dev.emergence.app.session;

import dev.emergence.app.canvas.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionStoreTest {
    @TempDir
    Path dir;

    @Test
    void stateAndLayersRoundTrip() throws Exception {
        SessionStore store = new SessionStore(dir);
        SessionState s = new SessionState("p", "n", 7.5, 20, 42L, true, 0.6, 8, "euler_a", "sgm_uniform", 2, "TINY_DECODER", 2, "MASK_BRUSH",
                12.0, 0.5, 0.9, 0x123456, "/models/x", null, new WindowGeometry(10, 20, 1280, 800, false),
                java.util.List.of(new ControlState(true, "/models/controlnets/scribble", "PAINT", null, "scribble", 0.8, 0.1, 0.9, null, null),
                        new ControlState(false, "/models/controlnets/canny", "PICTURE", "/pictures/lines.png", "canny", 1.0, 0.0, 1.0, 50.0, 150.0)), 4,
                new SessionState.FrameState(false, 48, true, "NOISE", true, 0.4));
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
        assertEquals(9, (int) s.steps());
    }

    @Test
    void aFieldOfTheWrongTypeLosesOnlyThatField() throws Exception {
        byte[] bytes = "{\"prompt\":\"hi\",\"steps\":\"many\",\"cfg\":6.5}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Files.write(dir.resolve(SessionStore.STATE), bytes);
        SessionStore.Loaded l = new SessionStore(dir).load();
        assertEquals("hi", l.state().orElseThrow().prompt());
        assertEquals(6.5, l.state().orElseThrow().cfg(), 0);
        assertEquals(null, l.state().orElseThrow().steps());
        assertEquals(1, l.kept().size());
        assertArrayEquals(bytes, Files.readAllBytes(l.kept().get(0).keptAs()));
        assertTrue(l.kept().get(0).why().contains("'steps'"), l.kept().get(0).why());
        assertTrue(Files.notExists(dir.resolve(SessionStore.STATE)), "moved aside, not copied: the next save starts afresh");
        assertEquals(List.of("2 settings"), l.restored());
    }

    @Test
    void anUndecodablePaintLayerIsKeptAsideAndTheMaskRestored() throws Exception {
        SessionStore store = new SessionStore(dir);
        Layer mask = new Layer(2, 2, new int[] {0xffffffff, 0, 0, 0xffffffff});
        store.saveLayers(new Layer(2, 2), mask);
        byte[] garbage = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        Files.write(dir.resolve(SessionStore.PAINT), garbage);
        SessionStore.Loaded l = store.load();
        Layer[] back = l.layers().orElseThrow();
        assertArrayEquals(mask.pixels(), back[1].pixels());
        assertTrue(back[0].isBlank());
        assertEquals(1, l.kept().size());
        assertTrue(l.kept().get(0).keptAs().getFileName().toString().startsWith("paint.png.damaged-"));
        assertArrayEquals(garbage, Files.readAllBytes(l.kept().get(0).keptAs()));
        assertTrue(l.notice().contains("paint.png.damaged-") && l.notice().contains("the mask"), l.notice());
    }

    @Test
    void anIntactSessionKeepsNothingAside() throws Exception {
        SessionStore store = new SessionStore(dir);
        store.saveLayers(new Layer(2, 2), new Layer(2, 2));
        Files.writeString(dir.resolve(SessionStore.STATE), "{\"prompt\":\"hi\"}");
        SessionStore.Loaded l = store.load();
        assertFalse(l.damaged());
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count());
        }
    }
}
