package dev.emergence.engine.runtime;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where optimised graphs are cached on each system. */
class GraphCacheTest {
    @Test
    void linuxFollowsXdgAndElseDotCache() {
        assertEquals(Path.of("/x/cache/emergence-studio/ort-optimized"),
                GraphCache.folderFor("Linux", "/home/u", Map.of("XDG_CACHE_HOME", "/x/cache")));
        assertEquals(Path.of("/home/u/.cache/emergence-studio/ort-optimized"), GraphCache.folderFor("Linux", "/home/u", Map.of()));
        // a relative XDG_CACHE_HOME is invalid by the specification and ignored
        assertEquals(Path.of("/home/u/.cache/emergence-studio/ort-optimized"),
                GraphCache.folderFor("Linux", "/home/u", Map.of("XDG_CACHE_HOME", "rel")));
    }

    @Test
    void macAndWindowsUseTheirCacheFolders() {
        assertEquals(Path.of("/Users/u", "Library", "Caches", "Emergence Studio", "ort-optimized"),
                GraphCache.folderFor("Mac OS X", "/Users/u", Map.of()));
        assertEquals(Path.of("C:/L", "Emergence Studio", "Cache", "ort-optimized"),
                GraphCache.folderFor("Windows 11", "C:/Users/u", Map.of("LOCALAPPDATA", "C:/L")));
    }

    @Test
    void offIsOffAndTheDefaultIsOn() {
        assertFalse(GraphCache.off().enabled());
        assertTrue(ExecutionOptions.cpu().graphCache().enabled());
        assertFalse(ExecutionOptions.cpu().withGraphCache(GraphCache.off()).forOneShot().graphCache().enabled());
    }
}
