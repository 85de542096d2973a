package dev.emergence.app.bench;

import dev.emergence.app.canvas.BrushSettings;
import dev.emergence.app.canvas.CanvasDocument;
import dev.emergence.app.canvas.Compositor;
import dev.emergence.app.canvas.LayerId;
import dev.emergence.app.canvas.Rect;
import dev.emergence.app.canvas.Tool;
import dev.emergence.app.canvas.UndoHistory;
import dev.emergence.app.frame.GenerationArea;
import dev.emergence.app.frame.InpaintOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The FX thread's work per brush event on a large document, measured, never asserted: what the
 * document does for one pointer move (dabs along the segment) plus what the canvas view does
 * for the rectangle that changed (recomposite the visible layers there). Also the one-off costs
 * around a stroke and a generation's planning. Prints one JSON object.
 *
 * <pre>java -cp CLASSPATH dev.emergence.app.bench.CanvasBench [side] [layers] [strokes]</pre>
 */
public final class CanvasBench {
    private CanvasBench() {
    }

    public static void main(String[] args) {
        int side = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int layerCount = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int strokes = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        CanvasDocument doc = new CanvasDocument(side, side, UndoHistory.DEFAULT_CAP_BYTES);
        doc.fill(0, 0, 0x446688, 0);
        for (int i = 1; i < layerCount; i++) {
            doc.addLayer();
            doc.setOpacity(doc.activeLayer(), 0.8);
        }
        List<Rect> changed = new ArrayList<>();
        doc.addListener(new CanvasDocument.Listener() {
            @Override
            public void regionChanged(LayerId layer, Rect rect) {
                changed.add(rect);
            }

            @Override
            public void layersReplaced() {
            }
        });
        BrushSettings brush = new BrushSettings(60, 0.7, 0.9, 0xd02020);
        int[] buffer = new int[side * side];
        List<Double> eventMs = new ArrayList<>(), beginMs = new ArrayList<>(), endMs = new ArrayList<>();
        java.util.Random r = new java.util.Random(1);
        for (int s = 0; s < strokes + 5; s++) {
            double x = 200 + r.nextInt(side - 400), y = 200 + r.nextInt(side - 400);
            long t0 = System.nanoTime();
            doc.beginStroke(Tool.BRUSH, brush, x, y);
            long t1 = System.nanoTime();
            for (int e = 0; e < 60; e++) {
                // A pointer event every ~8 px, as a quick hand on a mouse or tablet gives.
                x += 6 + r.nextInt(5);
                y += r.nextInt(9) - 4;
                long a = System.nanoTime();
                changed.clear();
                doc.strokeTo(x, y);
                for (Rect c : changed) Compositor.composite(doc.layers(), c, buffer, c.width(), false);
                long b = System.nanoTime();
                if (s >= 5) eventMs.add((b - a) / 1e6); // the first strokes warm the JIT
            }
            long t2 = System.nanoTime();
            doc.endStroke();
            long t3 = System.nanoTime();
            if (s >= 5) {
                beginMs.add((t1 - t0) / 1e6);
                endMs.add((t3 - t2) / 1e6);
            }
        }
        long c0 = System.nanoTime();
        Compositor.composite(doc.layers(), doc.bounds(), buffer, side, false);
        double fullMs = (System.nanoTime() - c0) / 1e6;
        doc.setFrame(new Rect(side / 4, side / 4, side / 2, side / 2));
        // Three times, the fastest of each kept: the first runs cold.
        double captureMs = Double.MAX_VALUE, planMs = Double.MAX_VALUE;
        for (int k = 0; k < 3; k++) {
            long p0 = System.nanoTime();
            GenerationArea.Capture capture = GenerationArea.capture(doc, 512, 8, InpaintOptions.DEFAULT);
            long p1 = System.nanoTime();
            GenerationArea.plan(capture, 1);
            captureMs = Math.min(captureMs, (p1 - p0) / 1e6);
            planMs = Math.min(planMs, (System.nanoTime() - p1) / 1e6);
        }
        System.out.println(String.format(Locale.ROOT,
                "{\"canvas\": \"%dx%d\", \"layers\": %d, \"brush_events\": %d, \"event_ms_median\": %.3f, \"event_ms_p99\": %.3f, "
                        + "\"event_ms_max\": %.3f, \"stroke_begin_ms_median\": %.3f, \"stroke_end_ms_median\": %.3f, "
                        + "\"full_recomposite_ms\": %.1f, \"frame_capture_fx_ms\": %.1f, \"frame_plan_worker_ms\": %.1f}",
                side, side, layerCount, eventMs.size(), pct(eventMs, 50), pct(eventMs, 99), pct(eventMs, 100), pct(beginMs, 50),
                pct(endMs, 50), fullMs, captureMs, planMs));
    }

    private static double pct(List<Double> v, double p) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[Math.min(a.length - 1, (int) Math.ceil(p / 100 * a.length) - 1)];
    }
}
