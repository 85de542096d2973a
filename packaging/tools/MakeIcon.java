import javax.imageio.ImageIO;
import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Draws the application icon (a picture emerging from noise: a disc whose left side is still scattered
 * grains and whose right side is sharp) and writes it as PNG (Linux), ICO (Windows) and ICNS (macOS).
 * Deterministic: the same JDK writes the same pixels.
 *
 * <pre>java MakeIcon.java OUT_DIR</pre>
 */
public final class MakeIcon {
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : ".");
        Files.createDirectories(out);
        BufferedImage big = draw(1024);
        ImageIO.write(scaled(big, 512), "png", out.resolve("emergence-studio.png").toFile());
        int[] icoSizes = {16, 24, 32, 48, 64, 128, 256};
        List<byte[]> icoPngs = new ArrayList<>();
        for (int s : icoSizes) icoPngs.add(png(scaled(big, s)));
        Files.write(out.resolve("emergence-studio.ico"), ico(icoSizes, icoPngs));
        Files.write(out.resolve("emergence-studio.icns"), icns(big));
        System.out.println("wrote emergence-studio.png, .ico and .icns to " + out);
    }

    static BufferedImage draw(int n) {
        BufferedImage img = new BufferedImage(n, n, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        double m = n * 0.06, side = n - 2 * m;
        RoundRectangle2D tile = new RoundRectangle2D.Double(m, m, side, side, side * 0.36, side * 0.36);
        g.setPaint(new GradientPaint(0, (float) m, new Color(0x1d1b4b), 0, (float) (m + side), new Color(0x4b1f6f)));
        g.fill(tile);
        g.setClip(tile);

        double cx = n * 0.5, cy = n * 0.5, r = n * 0.27;
        // The sharp half: a warm disc with a soft light from the upper left.
        g.setPaint(new RadialGradientPaint((float) (cx - r * 0.3), (float) (cy - r * 0.35), (float) (r * 1.4),
                new float[] {0f, 0.55f, 1f}, new Color[] {new Color(0xffe29a), new Color(0xff8a5c), new Color(0xd9477a)}));
        g.fill(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r));

        // The noisy half: grains scattered around the disc, the more the further left, coloured like the disc.
        Random random = new Random(20240517L);
        g.setComposite(AlphaComposite.SrcOver);
        for (int i = 0; i < 9000; i++) {
            double a = random.nextDouble() * 2 * Math.PI;
            double d = r * Math.sqrt(random.nextDouble());
            double x = cx + d * Math.cos(a), y = cy + d * Math.sin(a);
            double leftness = Math.max(0, Math.min(1, (cx + r * 0.2 - x) / (1.2 * r)));
            if (leftness < 0.02) continue; // The right side stays sharp.
            double spread = leftness * leftness * r * 0.55;
            x += random.nextGaussian() * spread;
            y += random.nextGaussian() * spread;
            float alpha = (float) (0.9 * Math.pow(leftness, 0.7));
            Color base = random.nextBoolean() ? new Color(0xffb36b) : new Color(0x8fd3ff);
            g.setColor(new Color(base.getRed(), base.getGreen(), base.getBlue(), Math.round(alpha * 255)));
            double s = n * (0.004 + 0.006 * random.nextDouble());
            g.fill(new Ellipse2D.Double(x - s / 2, y - s / 2, s, s));
        }
        g.setClip(null);
        g.dispose();
        return img;
    }

    static BufferedImage scaled(BufferedImage src, int size) {
        BufferedImage current = src;
        // Halve step by step: one big jump with bilinear filtering aliases the grains.
        while (current.getWidth() / 2 >= size) current = resize(current, current.getWidth() / 2);
        return current.getWidth() == size ? current : resize(current, size);
    }

    static BufferedImage resize(BufferedImage src, int size) {
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(src, 0, 0, size, size, null);
        g.dispose();
        return out;
    }

    static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(img, "png", b);
        return b.toByteArray();
    }

    /** An ICO file with PNG-compressed images (supported since Windows Vista): header, directory, images. */
    static byte[] ico(int[] sizes, List<byte[]> pngs) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        LittleEndian le = new LittleEndian(b);
        le.u16(0);
        le.u16(1); // 1 = icon
        le.u16(sizes.length);
        int offset = 6 + 16 * sizes.length;
        for (int i = 0; i < sizes.length; i++) {
            b.write(sizes[i] >= 256 ? 0 : sizes[i]); // 0 means 256
            b.write(sizes[i] >= 256 ? 0 : sizes[i]);
            b.write(0); // no palette
            b.write(0);
            le.u16(1); // colour planes
            le.u16(32); // bits per pixel
            le.u32(pngs.get(i).length);
            le.u32(offset);
            offset += pngs.get(i).length;
        }
        for (byte[] p : pngs) b.write(p);
        return b.toByteArray();
    }

    /** An ICNS file with PNG entries: ic07 (128), ic08 (256), ic09 (512), ic10 (1024, i.e. 512@2x). */
    static byte[] icns(BufferedImage big) throws IOException {
        String[] types = {"ic07", "ic08", "ic09", "ic10"};
        int[] sizes = {128, 256, 512, 1024};
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(body);
        for (int i = 0; i < types.length; i++) {
            byte[] p = png(scaled(big, sizes[i]));
            d.writeBytes(types[i]);
            d.writeInt(8 + p.length);
            d.write(p);
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        DataOutputStream f = new DataOutputStream(file);
        f.writeBytes("icns");
        f.writeInt(8 + body.size());
        f.write(body.toByteArray());
        return file.toByteArray();
    }

    private static final class LittleEndian {
        private final ByteArrayOutputStream out;

        LittleEndian(ByteArrayOutputStream out) {
            this.out = out;
        }

        void u16(int v) {
            out.write(v & 0xff);
            out.write((v >>> 8) & 0xff);
        }

        void u32(int v) {
            u16(v & 0xffff);
            u16((v >>> 16) & 0xffff);
        }
    }
}
