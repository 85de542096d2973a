package dev.emergence.engine.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** A grid of pictures with their captions under them, for the README. */
public final class ContactSheet {
    public record Entry(String caption, BufferedImage picture) {
    }

    private ContactSheet() {
    }

    public static BufferedImage render(List<Entry> entries, int columns, int cell) {
        int pad = 10, textLines = 3, lineHeight = 15;
        int rows = (entries.size() + columns - 1) / columns;
        int cellH = cell + textLines * lineHeight + pad;
        BufferedImage sheet = new BufferedImage(columns * (cell + pad) + pad, rows * (cellH + pad) + pad, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setColor(new Color(0x1e1f22));
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i < entries.size(); i++) {
            int x = pad + (i % columns) * (cell + pad), y = pad + (i / columns) * (cellH + pad);
            g.drawImage(entries.get(i).picture(), x, y, cell, cell, null);
            g.setColor(new Color(0xd0d0d0));
            int line = 0;
            for (String text : wrap(entries.get(i).caption(), fm, cell)) {
                if (line == textLines) break;
                g.drawString(text, x, y + cell + 13 + line++ * lineHeight);
            }
        }
        g.dispose();
        return sheet;
    }

    private static List<String> wrap(String text, FontMetrics fm, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String word : text.split(" ")) {
            String candidate = current.length() == 0 ? word : current + " " + word;
            if (fm.stringWidth(candidate) > width && current.length() > 0) {
                lines.add(current.toString());
                current = new StringBuilder(word);
            } else {
                current = new StringBuilder(candidate);
            }
        }
        if (current.length() > 0) lines.add(current.toString());
        return lines;
    }
}
