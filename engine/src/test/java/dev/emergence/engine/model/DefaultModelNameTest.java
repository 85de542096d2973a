package dev.emergence.engine.model;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded model's one name, wherever its folder lies, as the model package gives it to every caller. */
class DefaultModelNameTest {
    @TempDir
    Path temp;

    String previous;

    @BeforeEach
    void remember() {
        previous = System.getProperty(DefaultModel.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (previous == null) System.clearProperty(DefaultModel.PROPERTY);
        else System.setProperty(DefaultModel.PROPERTY, previous);
    }

    @Test
    void theEmbeddedFolderIsCalledDefaultEvenThroughALinkAndOthersByTheirFolder() throws Exception {
        Path tiny = TestModels.bundle("tiny-sd").toAbsolutePath();
        // Installed under another folder name: a link, so the name cannot come from the folder.
        Path installed = Files.createSymbolicLink(temp.resolve("somewhere-else"), tiny);
        System.setProperty(DefaultModel.PROPERTY, installed.toString());

        assertEquals("default", DefaultModel.nameOf(tiny));
        try (ModelBundle bundle = ModelBundle.open(tiny, TestModels.CPU)) {
            assertEquals("default", bundle.info().name(), "the bundle names the embedded model as the library does");
        }
        assertEquals("tiny-sd-inpaint", DefaultModel.nameOf(TestModels.bundle("tiny-sd-inpaint")));
        try (ModelBundle bundle = ModelBundle.open(TestModels.bundle("tiny-sd-inpaint"), TestModels.CPU)) {
            assertEquals("tiny-sd-inpaint", bundle.info().name());
        }

        // No embedded model at all: every folder is named by itself.
        System.setProperty(DefaultModel.PROPERTY, temp.resolve("none").toString());
        assertEquals("tiny-sd", DefaultModel.nameOf(tiny));
    }

    @Test
    void theOldCheckoutNameIsStillItsName() {
        assertTrue(DefaultModel.isName("default"));
        assertTrue(DefaultModel.isName("Default-Model"));
        assertFalse(DefaultModel.isName("default-1"));
        assertFalse(DefaultModel.isName(null));
    }
}
