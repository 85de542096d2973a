package dev.emergence.engine.model;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The one owner of a session a generation runs once (a text encoder, the VAE encoder or decoder): it may
 * be released, which closes the session, and is opened again on its next use. Uses run under a read
 * lock and release and close take the write lock, so a session is never closed while a run on another
 * thread still uses it; uses on several threads still run side by side.
 *
 * @param <T> the wrapper of the session ({@link OnnxTextEncoder}, …)
 */
final class OneShotSession<T> implements AutoCloseable {
    /** Opens the session again; the result is owned by this holder. */
    interface Opener<T> {
        T open() throws ModelException;
    }

    interface Use<T, R> {
        R apply(T session) throws ModelException;
    }

    /** A use of a holder that was closed (its model closed, or its session replaced by a LoRA change). */
    static final class ClosedException extends IllegalStateException {
        ClosedException(String message) {
            super(message);
        }
    }

    private final String label;
    /** Null: the session cannot be made again (it carries merged LoRA weights) and is never released. */
    private final Opener<T> opener;
    /** Closes a session (its ONNX Runtime session and what it owns). */
    private final Consumer<T> closer;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private T current; // guarded by lock
    private boolean closed; // guarded by lock
    private final AtomicInteger opens = new AtomicInteger(1);
    private final AtomicLong reopenNanos = new AtomicLong();

    /**
     * @param first  the session as the model opened it, owned from here on
     * @param opener makes it again after a release; null for a session that is kept
     */
    OneShotSession(String label, T first, Opener<T> opener, Consumer<T> closer) {
        this.label = label;
        this.current = java.util.Objects.requireNonNull(first, "first");
        this.opener = opener;
        this.closer = closer;
    }

    /** Runs {@code use} on the session, opening it again first when it was released. */
    <R> R use(Use<T, R> use) throws ModelException {
        ReentrantReadWriteLock.ReadLock read = lock.readLock();
        read.lock();
        try {
            if (current == null) {
                read.unlock();
                lock.writeLock().lock();
                try {
                    if (!closed && current == null) {
                        long t0 = System.nanoTime();
                        current = opener.open();
                        reopenNanos.addAndGet(System.nanoTime() - t0);
                        opens.incrementAndGet();
                    }
                } finally {
                    read.lock(); // held again on every path, for the finally below
                    lock.writeLock().unlock();
                }
            }
            if (closed) throw new ClosedException(label + " is closed");
            return use.apply(current);
        } finally {
            read.unlock();
        }
    }

    /**
     * Closes the session until its next use, unless it is kept or in use on another thread right now
     * (then it stays, and a later release closes it).
     *
     * @return whether a session was closed
     */
    boolean release() {
        if (opener == null || !lock.writeLock().tryLock()) return false;
        try {
            if (closed || current == null) return false;
            T t = current;
            current = null;
            closer.accept(t);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Whether the session is open now. */
    boolean resident() {
        lock.readLock().lock();
        try {
            return current != null;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Whether a release closes it (false for a session carrying merged LoRA weights). */
    boolean releasable() {
        return opener != null;
    }

    /** How many times the session was opened: 1 for the first, one more for each re-creation. */
    int opens() {
        return opens.get();
    }

    /** The time spent opening it again after releases. */
    long reopenNanos() {
        return reopenNanos.get();
    }

    /** Closes the session for good, after any run still using it. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            if (current != null) closer.accept(current);
            current = null;
        } finally {
            lock.writeLock().unlock();
        }
    }
}
