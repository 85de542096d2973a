package dev.emergence.engine.image;

import dev.emergence.engine.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Pictures and masks to tensors and back, the way diffusers prepares them
 * (src/diffusers/image_processor.py, VaeImageProcessor; pipelines/stable_diffusion/pipeline_stable_diffusion_inpaint.py),
 * plus the final composite that keeps the original picture outside the mask.
 *
 * <p>Tensors are NCHW float32 with batch 1: pictures [1, 3, H, W] in [-1, 1], masks [1, 1, H, W]
 * in [0, 1] with 1 = repaint. Headless: only java.awt.image and javax.imageio, no windowing.
 */
public final class Images {
    /** Feather used by {@link #composite(BufferedImage, BufferedImage, Tensor)}, in pixels (Gaussian σ). */
    public static final double DEFAULT_COMPOSITE_FEATHER = 3.0;

    private static final String EXPECTED = "expected PNG, JPEG or BMP";

    private Images() {
    }

    /**
     * Reads a picture file. The result is TYPE_INT_RGB, or TYPE_INT_ARGB when the file has
     * transparency, holding the pixels as other programs show them (greyscale files included).
     *
     * <p>Only a regular file is opened (a FIFO or device would block forever), and its size is read
     * from its header before any pixel is decoded: a picture beyond {@link #MAX_SIDE} pixels a side
     * or {@link #maxPixels()} pixels in all is refused, so a small file claiming a huge picture
     * cannot exhaust the memory. A JPEG that ends early (which the decoder only warns about, filling
     * the rest with grey) is refused as truncated.
     *
     * @throws ImageException with a one-line message naming the file: missing, a folder, not a
     *                        regular file, not readable, not a picture format Java reads, too large,
     *                        truncated or damaged
     */
    public static BufferedImage read(Path path) throws ImageException {
        if (Files.isDirectory(path)) throw new ImageException(path + ": is a folder, not an image (" + EXPECTED + ")");
        if (!Files.exists(path)) throw new ImageException(path + ": no such file (" + EXPECTED + ")");
        if (!Files.isRegularFile(path)) {
            throw new ImageException(path + ": is not a regular file (a FIFO, device or socket); " + EXPECTED + " file");
        }
        if (!Files.isReadable(path)) throw new ImageException(path + ": cannot be read (permission denied)");
        try (ImageInputStream in = ImageIO.createImageInputStream(path.toFile())) {
            if (in == null) throw new ImageException(path + ": cannot be read");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new ImageException(path + ": not a readable image (" + EXPECTED + ")");
            ImageReader reader = readers.next();
            String format = reader.getFormatName().toUpperCase(Locale.ROOT);
            if (format.equals("JPG")) format = "JPEG";
            List<String> warnings = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                checkPictureSize(path, format, reader.getWidth(0), reader.getHeight(0));
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage image = reader.read(0);
                String truncated = truncation(warnings);
                if (truncated != null) {
                    throw new ImageException(path + ": truncated " + format + " (" + truncated + "); expected a complete picture");
                }
                return Pixels.normalise(image);
            } catch (ImageException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                if (endsEarly(e)) {
                    throw new ImageException(path + ": truncated " + format + " (" + oneLine(e) + "); expected a complete picture", e);
                }
                // CMYK JPEGs, bad checksums and the like: the format is known but the content is not usable.
                throw new ImageException(path + ": damaged or unsupported " + format + " image (" + oneLine(e) + ")", e);
            } finally {
                reader.dispose();
            }
        } catch (AccessDeniedException e) {
            throw new ImageException(path + ": cannot be read (permission denied)", e);
        } catch (IOException e) {
            throw new ImageException(path + ": cannot be read (" + oneLine(e) + ")", e);
        }
    }

    /** The most pixels a side of a picture file may have: 16384, the largest side most image programs write. */
    public static final int MAX_SIDE = 16384;

    /**
     * Heap a decoded picture costs per pixel on its way to a tensor: the decoded raster (4 bytes),
     * its normalised copy (4), three float planes and the tensor (24), and the resize buffers.
     */
    static final int BYTES_PER_PIXEL = 48;

    /**
     * The most pixels a picture file may have: {@link #MAX_SIDE}² or what a quarter of the heap
     * ({@code Runtime.maxMemory()}) holds at {@value #BYTES_PER_PIXEL} bytes a pixel, whichever is less.
     */
    public static long maxPixels() {
        return Math.min((long) MAX_SIDE * MAX_SIDE, Runtime.getRuntime().maxMemory() / 4 / BYTES_PER_PIXEL);
    }

    private static void checkPictureSize(Path path, String format, int width, int height) throws ImageException {
        if (width <= 0 || height <= 0) {
            throw new ImageException(path + ": damaged " + format + " (its header says " + width + "x" + height + " pixels)");
        }
        if (width > MAX_SIDE || height > MAX_SIDE) {
            throw new ImageException(path + ": " + width + "x" + height + " pixels is too large; expected at most "
                    + MAX_SIDE + " pixels a side");
        }
        long max = maxPixels();
        if ((long) width * height > max) {
            throw new ImageException(path + ": " + width + "x" + height + " pixels is too large for this memory; expected at most "
                    + max + " pixels in all (more memory: java -Xmx)");
        }
    }

    /**
     * The decoder's warning that the file ended early, or null. The JPEG decoder (libjpeg) pads such a
     * file with grey and only warns: "Premature end of JPEG file", after "Corrupt JPEG data: premature
     * end of data segment" when it ends inside a scan; the former names the problem best.
     */
    private static String truncation(List<String> warnings) {
        String found = null;
        for (String w : warnings) {
            String lower = w.toLowerCase(Locale.ROOT);
            if (lower.contains("premature end") && (found == null || lower.contains("end of jpeg file"))) found = w.trim();
        }
        return found;
    }

    /** The file ended before the picture did (zlib or the stream ran out of bytes). */
    private static boolean endsEarly(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.EOFException) return true;
            String m = t.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("unexpected end")) return true;
        }
        return false;
    }

    /**
     * A picture as the VAE encoder's input [1, 3, height, width] in [-1, 1], like diffusers'
     * {@code image_processor.preprocess}: x/255 then 2x − 1, resized with PIL's Lanczos filter
     * (see {@link Lanczos}) when the size differs (stretching: no crop, no padding). Transparent
     * pixels are composited over white first, as a painting's empty canvas is white; at equal size
     * and full opacity the values are bit-for-bit diffusers'.
     */
    public static Tensor toTensor(BufferedImage image, int width, int height) {
        checkSize(width, height);
        int w = image.getWidth(), h = image.getHeight();
        int[] argb = Pixels.argb(image);
        float[][] planes = new float[3][w * h];
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            int a = p >>> 24;
            for (int c = 0; c < 3; c++) {
                int v = (p >> (16 - 8 * c)) & 0xFF;
                float x = v / 255f;
                if (a != 255) {
                    float alpha = a / 255f;
                    x = x * alpha + (1f - alpha);
                }
                planes[c][i] = x;
            }
        }
        int plane = width * height;
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            float[] p = (w == width && h == height) ? planes[c] : Lanczos.resize(planes[c], w, h, width, height);
            for (int i = 0; i < plane; i++) out[c * plane + i] = 2f * p[i] - 1f;
        }
        return new Tensor(out, 1, 3, height, width);
    }

    /**
     * A picture at {@code width}×{@code height}, opaque RGB, resized as {@link #toTensor} resizes
     * (PIL's Lanczos, stretching) and rounded back to 8 bits, as PIL resizes 8-bit pictures.
     * Transparent pixels are composited over white, or over black when {@code overBlack} (strokes
     * painted on an empty layer: white lines on black). At equal size and full opacity the pixels
     * are returned unchanged.
     */
    public static BufferedImage resizedRgb(BufferedImage image, int width, int height, boolean overBlack) {
        checkSize(width, height);
        int w = image.getWidth(), h = image.getHeight();
        int[] argb = Pixels.argb(image);
        float[][] planes = new float[3][w * h];
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            int a = p >>> 24;
            for (int c = 0; c < 3; c++) {
                float x = ((p >> (16 - 8 * c)) & 0xFF) / 255f;
                if (a != 255) {
                    float alpha = a / 255f;
                    x = x * alpha + (overBlack ? 0f : 1f - alpha);
                }
                planes[c][i] = x;
            }
        }
        boolean same = w == width && h == height;
        int[] out = new int[width * height];
        for (int c = 0; c < 3; c++) {
            float[] p = same ? planes[c] : Lanczos.resize(planes[c], w, h, width, height);
            for (int i = 0; i < out.length; i++) {
                int v = Math.round(Math.max(0f, Math.min(1f, p[i])) * 255f);
                out[i] |= v << (16 - 8 * c);
            }
        }
        for (int i = 0; i < out.length; i++) out[i] |= 0xFF000000;
        return Pixels.fromArgb(out, width, height, false);
    }

    /**
     * Decoded pixels [1, 3, H, W] in [-1, 1] to a TYPE_INT_RGB picture, as diffusers' postprocess
     * and numpy_to_pil do: (x·0.5 + 0.5) clamped to [0, 1], times 255, rounded half to even (numpy's
     * round), all in float32. NaN becomes 0.
     */
    public static BufferedImage fromTensor(Tensor pixels) {
        requireShape(pixels, 3, "pixels");
        int h = pixels.dim(2), w = pixels.dim(3), plane = w * h;
        float[] d = pixels.data();
        int[] argb = new int[plane];
        for (int i = 0; i < plane; i++) {
            int r = toByte(d[i]), g = toByte(d[plane + i]), b = toByte(d[2 * plane + i]);
            argb[i] = 0xFF000000 | r << 16 | g << 8 | b;
        }
        return Pixels.fromArgb(argb, w, h, false);
    }

    private static int toByte(float x) {
        float v = x * 0.5f + 0.5f;
        if (!(v > 0f)) return 0; // also NaN
        if (v > 1f) v = 1f;
        return (int) Math.rint(v * 255f);
    }

    /**
     * A mask picture as [1, 1, height, width] in [0, 1], 1 = repaint (white in the mask picture).
     * The value is the luminance 0.299·R + 0.587·G + 0.114·B (PIL's convert("L"), which diffusers'
     * mask processor uses), resized like pictures. A mask with transparency (any alpha below 255)
     * is read by its alpha instead: every pixel with alpha &gt; 0 is repainted, whatever its colour,
     * so a stroke painted on an empty layer marks the area to repaint, soft brush edges included.
     * (AUTOMATIC1111 uses alpha &gt; 128 there; painted-but-faint edges are better repainted than kept.)
     * Not binarised: see {@link #binarise}.
     */
    public static Tensor maskToTensor(BufferedImage mask, int width, int height) {
        checkSize(width, height);
        int w = mask.getWidth(), h = mask.getHeight();
        int[] argb = Pixels.argb(mask);
        boolean alphaMask = false;
        if (mask.getColorModel().hasAlpha()) {
            for (int p : argb) {
                if (p >>> 24 != 255) {
                    alphaMask = true;
                    break;
                }
            }
        }
        boolean resize = w != width || h != height;
        if (alphaMask) {
            float[] values = new float[w * h];
            for (int i = 0; i < argb.length; i++) values[i] = (argb[i] >>> 24) > 0 ? 1f : 0f;
            return new Tensor(resize ? Lanczos.resize(values, w, h, width, height) : values, 1, 1, height, width);
        }
        float[] out = new float[width * height];
        if (!resize) {
            for (int i = 0; i < out.length; i++) {
                int p = argb[i];
                // Integer weights keep grey masks exact: grey v gives exactly v/255.
                out[i] = (299 * (p >> 16 & 0xFF) + 587 * (p >> 8 & 0xFF) + 114 * (p & 0xFF)) / 255000f;
            }
        } else {
            // diffusers resizes the RGB mask, then converts it to grey; each channel is clamped to [0, 1]
            // after resizing, so coloured masks keep the edges they have there.
            float[][] rgb = new float[3][w * h];
            for (int i = 0; i < argb.length; i++) {
                for (int c = 0; c < 3; c++) rgb[c][i] = ((argb[i] >> (16 - 8 * c)) & 0xFF) / 255f;
            }
            for (int c = 0; c < 3; c++) rgb[c] = Lanczos.resize(rgb[c], w, h, width, height);
            for (int i = 0; i < out.length; i++) out[i] = (299 * rgb[0][i] + 587 * rgb[1][i] + 114 * rgb[2][i]) / 1000f;
        }
        return new Tensor(out, 1, 1, height, width);
    }

    /**
     * Softens a mask's edges: a separable Gaussian blur with standard deviation {@code radiusPixels},
     * AUTOMATIC1111's mask blur (see {@link GaussianBlur}). Radius 0 returns an equal copy.
     * Works on every [N, C, H, W] plane.
     */
    public static Tensor featherMask(Tensor mask, double radiusPixels) {
        if (!(radiusPixels >= 0) || Double.isInfinite(radiusPixels)) {
            throw new IllegalArgumentException("feather radius must be 0 or more, got " + radiusPixels);
        }
        requireRank4(mask, "mask");
        int h = mask.dim(2), w = mask.dim(3), plane = h * w;
        float[] d = mask.data();
        float[] out = new float[d.length];
        for (int p = 0; p < d.length / Math.max(plane, 1); p++) {
            float[] blurred = GaussianBlur.blur(Arrays.copyOfRange(d, p * plane, (p + 1) * plane), w, h, radiusPixels);
            System.arraycopy(blurred, 0, out, p * plane, plane);
        }
        return new Tensor(out, mask.shape());
    }

    /**
     * Nearest-neighbour resize of [N, C, H, W] to [N, C, h, w], exactly as torch.nn.functional.interpolate's
     * default mode, with which diffusers brings the inpainting mask to latent size: source index
     * min(⌊dst · (in/out)⌋, in − 1) in float32, with torch's exact shortcuts for equal and doubled sizes.
     */
    public static Tensor resizeMaskNearest(Tensor mask, int height, int width) {
        requireRank4(mask, "mask");
        checkSize(width, height);
        int n = mask.dim(0) * mask.dim(1), inH = mask.dim(2), inW = mask.dim(3);
        int[] ys = nearestIndices(inH, height), xs = nearestIndices(inW, width);
        float[] d = mask.data();
        float[] out = new float[n * height * width];
        for (int p = 0; p < n; p++) {
            for (int y = 0; y < height; y++) {
                int src = p * inH * inW + ys[y] * inW, dst = (p * height + y) * width;
                for (int x = 0; x < width; x++) out[dst + x] = d[src + xs[x]];
            }
        }
        return new Tensor(out, mask.dim(0), mask.dim(1), height, width);
    }

    private static int[] nearestIndices(int in, int out) {
        int[] idx = new int[out];
        float scale = (float) in / out;
        for (int o = 0; o < out; o++) {
            if (out == in) idx[o] = o;
            else if (out == 2 * in) idx[o] = o >> 1;
            else idx[o] = Math.min((int) Math.floor(o * scale), in - 1);
        }
        return idx;
    }

    /**
     * Area-average resize of [N, C, H, W] to [N, C, h, w], as torch's interpolate(mode="area")
     * (adaptive average pooling: output cell i averages input rows ⌊i·H/h⌋ to ⌈(i+1)·H/h⌉ − 1).
     * Keeps a feathered mask's softness when it is brought to latent size.
     */
    public static Tensor resizeMaskArea(Tensor mask, int height, int width) {
        requireRank4(mask, "mask");
        checkSize(width, height);
        int n = mask.dim(0) * mask.dim(1), inH = mask.dim(2), inW = mask.dim(3);
        float[] d = mask.data();
        float[] out = new float[n * height * width];
        for (int p = 0; p < n; p++) {
            int base = p * inH * inW;
            for (int y = 0; y < height; y++) {
                int y0 = Math.floorDiv(y * inH, height), y1 = -Math.floorDiv(-(y + 1) * inH, height);
                for (int x = 0; x < width; x++) {
                    int x0 = Math.floorDiv(x * inW, width), x1 = -Math.floorDiv(-(x + 1) * inW, width);
                    double sum = 0;
                    for (int yy = y0; yy < y1; yy++) {
                        for (int xx = x0; xx < x1; xx++) sum += d[base + yy * inW + xx];
                    }
                    out[(p * height + y) * width + x] = (float) (sum / ((y1 - y0) * (x1 - x0)));
                }
            }
        }
        return new Tensor(out, mask.dim(0), mask.dim(1), height, width);
    }

    /** 1 where the value is ≥ {@code threshold}, else 0 (diffusers' mask binarize at 0.5). NaN gives 0. */
    public static Tensor binarise(Tensor mask, double threshold) {
        float[] d = mask.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) out[i] = d[i] >= threshold ? 1f : 0f;
        return new Tensor(out, mask.shape());
    }

    /**
     * The inpainting model's "masked image": {@code image · (mask < 0.5)}, as diffusers'
     * inpaint pipeline computes it: the area to repaint is set to 0 (mid-grey in [-1, 1]).
     *
     * @param image [1, 3, H, W]
     * @param mask  [1, 1, H, W]
     */
    public static Tensor maskedImage(Tensor image, Tensor mask) {
        requireShape(image, 3, "image");
        requireShape(mask, 1, "mask");
        int h = image.dim(2), w = image.dim(3), plane = h * w;
        if (mask.dim(2) != h || mask.dim(3) != w) {
            throw new IllegalArgumentException("mask " + mask + " does not match image " + image);
        }
        float[] img = image.data(), m = mask.data();
        float[] out = new float[img.length];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) out[c * plane + i] = img[c * plane + i] * (m[i] < 0.5f ? 1f : 0f);
        }
        return new Tensor(out, 1, 3, h, w);
    }

    /** {@link #composite(BufferedImage, BufferedImage, Tensor, double)} with {@link #DEFAULT_COMPOSITE_FEATHER}. */
    public static BufferedImage composite(BufferedImage original, BufferedImage generated, Tensor mask) {
        return composite(original, generated, mask, DEFAULT_COMPOSITE_FEATHER);
    }

    /**
     * The final inpainting result: the generated picture inside the mask, the original outside it.
     *
     * <p>The mask is binarised at 0.5 (as the generation used it). Every pixel outside it is the
     * original's pixel exactly, so nothing the artist did not mask changes, not even by the VAE's
     * round trip. Inside, the blend weight is α = clamp(2·g − 1, 0, 1), where g is the binarised mask
     * blurred with σ = {@code featherPixels}: α rises smoothly from 0 at the mask edge to 1 about 2σ
     * inside, so the seam fades out without touching anything outside. Regions narrower than about
     * 2σ are never fully replaced; use feather 0 for a hard paste.
     *
     * @param original  the picture before inpainting, W×H
     * @param generated the decoded result; resized to W×H (Lanczos) if its size differs
     * @param mask      [1, 1, H, W], soft or binary, 1 = repaint
     * @return TYPE_INT_ARGB if the original has transparency (repainted pixels become opaque), else TYPE_INT_RGB
     */
    public static BufferedImage composite(BufferedImage original, BufferedImage generated, Tensor mask, double featherPixels) {
        if (!(featherPixels >= 0) || Double.isInfinite(featherPixels)) {
            throw new IllegalArgumentException("feather radius must be 0 or more, got " + featherPixels);
        }
        int w = original.getWidth(), h = original.getHeight(), plane = w * h;
        requireShape(mask, 1, "mask");
        if (mask.dim(2) != h || mask.dim(3) != w) {
            throw new IllegalArgumentException("mask " + mask + " does not match the original picture " + w + "x" + h);
        }
        int[] orig = Pixels.argb(original);
        int[] gen = generated.getWidth() == w && generated.getHeight() == h
                ? Pixels.argb(generated) : resizeArgb(Pixels.argb(generated), generated.getWidth(), generated.getHeight(), w, h);
        float[] hard = binarise(mask, 0.5).data();
        float[] soft = featherPixels > 0 ? GaussianBlur.blur(hard, w, h, featherPixels) : hard;
        int[] out = new int[plane];
        for (int i = 0; i < plane; i++) {
            float alpha = hard[i] == 0f || featherPixels == 0 ? hard[i] : Math.max(0f, Math.min(1f, 2f * soft[i] - 1f));
            if (alpha == 0f) {
                out[i] = orig[i];
            } else if (alpha == 1f) {
                out[i] = gen[i] | 0xFF000000;
            } else {
                int o = orig[i], g = gen[i] | 0xFF000000, px = 0;
                for (int shift = 0; shift <= 24; shift += 8) {
                    float ov = (o >>> shift) & 0xFF, gv = (g >>> shift) & 0xFF;
                    px |= Math.round(ov + (gv - ov) * alpha) << shift;
                }
                out[i] = px;
            }
        }
        return Pixels.fromArgb(out, w, h, original.getColorModel().hasAlpha());
    }

    private static int[] resizeArgb(int[] argb, int inW, int inH, int outW, int outH) {
        int[] out = new int[outW * outH];
        Arrays.fill(out, 0xFF000000);
        for (int c = 0; c < 3; c++) {
            int shift = 16 - 8 * c;
            float[] p = new float[argb.length];
            for (int i = 0; i < p.length; i++) p[i] = ((argb[i] >> shift) & 0xFF) / 255f;
            float[] r = Lanczos.resize(p, inW, inH, outW, outH);
            for (int i = 0; i < out.length; i++) out[i] |= Math.round(r[i] * 255f) << shift;
        }
        return out;
    }

    /**
     * {@code size} rounded down to a multiple of {@code multiple}, as diffusers' get_default_height_width
     * does ({@code x - x % multiple}); 0 when {@code size < multiple}.
     */
    public static int roundDownToMultiple(int size, int multiple) {
        if (multiple <= 0) throw new IllegalArgumentException("multiple must be positive, got " + multiple);
        if (size < 0) throw new IllegalArgumentException("size must not be negative, got " + size);
        return size - size % multiple;
    }

    private static void checkSize(int width, int height) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("size must be positive, got " + width + "x" + height);
    }

    private static void requireRank4(Tensor t, String what) {
        if (t.rank() != 4) throw new IllegalArgumentException(what + " must be [N, C, H, W], got " + t);
    }

    private static void requireShape(Tensor t, int channels, String what) {
        if (t.rank() != 4 || t.dim(0) != 1 || t.dim(1) != channels) {
            throw new IllegalArgumentException(what + " must be [1, " + channels + ", H, W], got " + t);
        }
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
