package dev.emergence.engine.library;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped catalogue is complete enough for the download dialog to offer every entry. */
class CatalogueTest {
    @Test
    void everyEntryCanBeOfferedAndDownloaded() throws Exception {
        Catalogue c = Catalogue.load();
        assertFalse(c.entries().isEmpty());
        assertFalse(c.about().isBlank());
        Set<String> ids = new HashSet<>();
        for (Catalogue.Entry e : c.entries()) {
            assertTrue(ids.add(e.id()), "duplicate id " + e.id());
            HubClient.checkRepo(e.repo());
            assertFalse(e.revision().isBlank(), e.id());
            assertTrue(e.kind().equals("model") || e.kind().equals("preview-decoder"), e.id() + " kind " + e.kind());
            assertTrue(e.precision().equals("fp32") || e.precision().equals("fp16"), e.id());
            assertTrue(e.approxBytes() > 0, e.id());
            for (String text : new String[] {e.title(), e.licence(), e.goodFor(), e.family()}) assertNotNull(text, e.id());
            if (e.isPreviewDecoder()) assertTrue(e.file() != null && e.file().endsWith(".onnx"), e.id());
            else ModelLibrary.checkName(ModelLibrary.suggestName(e.repo().substring(e.repo().indexOf('/') + 1)));
        }
        assertTrue(c.entries().stream().anyMatch(Catalogue.Entry::inpainting), "an inpainting model");
        assertTrue(c.entries().stream().anyMatch(Catalogue.Entry::isPreviewDecoder), "a preview decoder");
        assertEquals("onnx-community/stable-diffusion-v1-5-ONNX", c.find("SD15").orElseThrow().repo());
    }
}
