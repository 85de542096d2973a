package dev.emergence.app.project;

import java.util.HashMap;
import java.util.Map;

/**
 * The PNG bytes of layers as last written, by layer and revision: an autosave encodes only the
 * layers that changed since (a stroke changes one layer; the others are written as they were).
 * Used by one writer at a time.
 */
public final class LayerPngCache {
    private record Key(long id, long revision) {
    }

    private final Map<Key, byte[]> bytes = new HashMap<>();
    /** What the write before the last used: a copy taken while the last write ran may still count on it. */
    private Map<Key, byte[]> previous = new HashMap<>();

    public synchronized boolean has(long id, long revision) {
        return bytes.containsKey(new Key(id, revision));
    }

    synchronized byte[] get(long id, long revision) {
        return bytes.get(new Key(id, revision));
    }

    /** Keeps what the last two writes used. */
    synchronized void keepOnly(Map<long[], byte[]> used) {
        Map<Key, byte[]> next = new HashMap<>();
        for (var e : used.entrySet()) next.put(new Key(e.getKey()[0], e.getKey()[1]), e.getValue());
        bytes.clear();
        bytes.putAll(previous);
        bytes.putAll(next);
        previous = next;
    }

    /** Forgets everything (after a failed write: the next one encodes every layer). */
    public synchronized void clear() {
        bytes.clear();
        previous = new HashMap<>();
    }
}
