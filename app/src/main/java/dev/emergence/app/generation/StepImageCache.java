package dev.emergence.app.generation;

import dev.emergence.app.engine.StudioEngine;
import dev.emergence.engine.pipeline.PreviewKind;

import java.awt.image.BufferedImage;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Pictures of timeline steps for the scrubber, decoded on demand and kept (least recently used
 * dropped first). While the artist drags, only the newest request per view is decoded: requests
 * overtaken before their turn are dropped, so decoding never lags behind the pointer.
 *
 * @param <I> the displayable image type (JavaFX's Image in the studio)
 */
public final class StepImageCache<I> {
    public record Key(long generation, int step, StepRecord.View view, PreviewKind kind) {
    }

    private record Request<I>(Key key, StepRecord record, Consumer<I> onReady) {
    }

    private final StudioEngine engine;
    private final Executor ui;
    private final Executor decodeThread;
    private final Function<BufferedImage, I> convert;
    private final Map<Key, I> cache;
    private final Map<StepRecord.View, LatestWins<Request<I>>> channels = new EnumMap<>(StepRecord.View.class);

    /**
     * @param decodeThread where decoding waits for the engine (one thread: decodes go one at a time)
     * @param ui           where {@code onReady} callbacks run (the FX thread)
     */
    public StepImageCache(StudioEngine engine, Executor decodeThread, Executor ui, Function<BufferedImage, I> convert, int capacity) {
        this.engine = engine;
        this.ui = ui;
        this.decodeThread = decodeThread;
        this.convert = convert;
        this.cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, I> eldest) {
                return size() > capacity;
            }
        };
        for (StepRecord.View v : StepRecord.View.values()) {
            channels.put(v, new LatestWins<>(decodeThread, this::decode));
        }
    }

    /** The picture if it is already decoded. */
    public synchronized I cached(Key key) {
        return cache.get(key);
    }

    /** Keeps a picture decoded elsewhere (the live preview's), for the scrubber. */
    public synchronized void put(Key key, I image) {
        cache.put(key, image);
    }

    /**
     * Calls {@code onReady} on the UI executor with the step's picture: at once when cached,
     * else after decoding, unless a newer request for the same view overtakes this one first.
     */
    public void request(Key key, StepRecord record, Consumer<I> onReady) {
        I hit = cached(key);
        if (hit != null) {
            onReady.accept(hit);
            return;
        }
        channels.get(key.view()).offer(new Request<>(key, record, onReady));
    }

    /** Like {@link #request}, but never dropped: for thumbnails, which are all wanted. */
    public void requestQueued(Key key, StepRecord record, Consumer<I> onReady) {
        I hit = cached(key);
        if (hit != null) {
            onReady.accept(hit);
            return;
        }
        decodeThread.execute(() -> decode(new Request<>(key, record, onReady)));
    }

    private void decode(Request<I> r) {
        I img = cached(r.key());
        if (img == null) {
            BufferedImage decoded;
            try {
                decoded = engine.preview(r.record().tensor(r.key().view()), r.key().kind()).join();
            } catch (RuntimeException e) {
                // The model was replaced or closed meanwhile: nothing to show for this step.
                return;
            }
            img = convert.apply(decoded);
            synchronized (this) {
                cache.put(r.key(), img);
            }
        }
        I ready = img;
        ui.execute(() -> r.onReady().accept(ready));
    }

    public synchronized void clear() {
        cache.clear();
    }

    public synchronized int size() {
        return cache.size();
    }
}
