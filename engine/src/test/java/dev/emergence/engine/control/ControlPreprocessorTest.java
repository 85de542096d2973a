package dev.emergence.engine.control;

import dev.emergence.engine.image.Images;
import dev.emergence.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java preprocessors and the control picture as a ControlNet reads it: diffusers' control image
 * processor (resize to the generation's size with PIL's Lanczos, x/255, no normalisation).
 */
class ControlPreprocessorTest {
    private static BufferedImage resource(String path) throws Exception {
        try (InputStream in = ControlPreprocessorTest.class.getResourceAsStream(path)) {
            return ImageIO.read(in);
        }
    }

    @Test
    void aControlPictureIsRgbOver255AndNotNormalised() {
        BufferedImage p = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        p.setRGB(0, 0, 0xFF8000);
        p.setRGB(1, 0, 0x000033);
        Tensor t = ControlPictures.toTensor(p);
        assertEquals(java.util.List.of(1, 3, 1, 2), java.util.Arrays.stream(t.shape()).boxed().toList());
        float[] d = t.data();
        // planes R, G, B; float32 x / 255 as numpy computes it
        assertEquals(1f, d[0]);
        assertEquals(0f, d[1]);
        assertEquals(128 / 255f, d[2]);
        assertEquals(0f, d[3]);
        assertEquals(0f, d[4]);
        assertEquals(51 / 255f, d[5]);
    }

    @Test
    void noneAndTileKeepThePictureAtItsSizeAndResizeItAsPilDoes() throws Exception {
        BufferedImage photo = resource("/reference/canny/photo.png");
        for (PreprocessorKind kind : new PreprocessorKind[] {PreprocessorKind.NONE, PreprocessorKind.TILE}) {
            BufferedImage same = kind.create(new ControlUnit("x", kind)).apply(photo, photo.getWidth(), photo.getHeight());
            for (int y = 0; y < photo.getHeight(); y++) {
                for (int x = 0; x < photo.getWidth(); x++) assertEquals(photo.getRGB(x, y) | 0xFF000000, same.getRGB(x, y), kind + " at (" + x + "," + y + ")");
            }
        }
        // PIL's Image.resize(LANCZOS) of resize_src.png (the image tests' references): within PIL's 8-bit rounding.
        BufferedImage src = Images.read(Path.of("src/test/resources/dev/emergence/engine/image/resize_src.png"));
        for (String name : new String[] {"resize_down_pil.png", "resize_up_pil.png", "resize_mixed_pil.png"}) {
            BufferedImage pil = Images.read(Path.of("src/test/resources/dev/emergence/engine/image/" + name));
            BufferedImage ours = PreprocessorKind.NONE.create(new ControlUnit("x", PreprocessorKind.NONE)).apply(src, pil.getWidth(), pil.getHeight());
            int worst = 0;
            for (int y = 0; y < pil.getHeight(); y++) {
                for (int x = 0; x < pil.getWidth(); x++) {
                    for (int shift = 0; shift <= 16; shift += 8) {
                        worst = Math.max(worst, Math.abs(((pil.getRGB(x, y) >> shift) & 0xFF) - ((ours.getRGB(x, y) >> shift) & 0xFF)));
                    }
                }
            }
            assertTrue(worst <= 2, name + ": " + worst + " levels from PIL");
        }
    }

    @Test
    void scribbleKeepsTheStrokesWhiteOnBlack() {
        BufferedImage layer = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB);
        for (int i = 0; i < 8; i++) layer.setRGB(i, 3, 0xFFFFFFFF);
        BufferedImage out = PreprocessorKind.SCRIBBLE.create(new ControlUnit("x", PreprocessorKind.SCRIBBLE)).apply(layer, 8, 8);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) assertEquals(y == 3 ? 0xFFFFFFFF : 0xFF000000, out.getRGB(x, y), "(" + x + "," + y + ")");
        }
    }

    @Test
    void cannyGivesOpenCvsEdgesInEveryChannel() throws Exception {
        BufferedImage shapes = resource("/reference/canny/shapes.png");
        BufferedImage expected = resource("/reference/canny/shapes_canny_50_150_l1.png");
        ControlUnit unit = new ControlUnit("x", PreprocessorKind.CANNY).withCanny(50, 150, false);
        BufferedImage out = unit.createPreprocessor().apply(shapes, shapes.getWidth(), shapes.getHeight());
        assertEquals("canny", unit.createPreprocessor().module());
        for (int y = 0; y < shapes.getHeight(); y++) {
            for (int x = 0; x < shapes.getWidth(); x++) {
                int e = expected.getRaster().getSample(x, y, 0);
                assertEquals(0xFF000000 | e << 16 | e << 8 | e, out.getRGB(x, y), "(" + x + "," + y + ")");
            }
        }
    }

    @Test
    void preprocessorsAreNamedForTheCommandLineAndForAutomatic1111() {
        assertEquals(PreprocessorKind.TILE, PreprocessorKind.parse("tile_resample").orElseThrow());
        assertEquals(PreprocessorKind.SCRIBBLE, PreprocessorKind.parse("Scribble").orElseThrow());
        assertEquals(PreprocessorKind.NONE, PreprocessorKind.parse("none").orElseThrow());
        assertEquals("none", PreprocessorKind.SCRIBBLE.a1111Module());
        assertTrue(PreprocessorKind.parse("depth").isEmpty());
    }
}
