package dev.emergence.engine.model;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The holder of a one-shot session: released, opened again on use, never closed under a run on another thread. */
class OneShotSessionTest {
    /** A stand-in session that knows whether it was closed. */
    static final class Fake {
        final int generation;
        volatile boolean closed;

        Fake(int generation) {
            this.generation = generation;
        }
    }

    private final AtomicInteger made = new AtomicInteger(1);
    private final List<Fake> closed = new ArrayList<>();

    private OneShotSession<Fake> holder(boolean reopenable) {
        return new OneShotSession<>("fake/model.onnx", new Fake(1), reopenable ? () -> new Fake(made.incrementAndGet()) : null, f -> {
            f.closed = true;
            synchronized (closed) {
                closed.add(f);
            }
        });
    }

    @Test
    void aReleasedSessionIsClosedAndOpenedAgainOnItsNextUse() throws Exception {
        OneShotSession<Fake> s = holder(true);
        assertEquals(1, (int) s.<Integer>use(f -> f.generation));
        assertTrue(s.release());
        assertFalse(s.resident());
        assertTrue(closed.get(0).closed);
        assertFalse(s.release(), "nothing left to release");
        assertEquals(2, (int) s.<Integer>use(f -> f.generation));
        assertEquals(2, s.opens());
        assertTrue(s.resident());
        s.close();
        assertEquals(2, closed.size());
        assertThrows(OneShotSession.ClosedException.class, () -> s.use(f -> f.generation));
    }

    @Test
    void aSessionThatCannotBeMadeAgainIsKept() throws Exception {
        OneShotSession<Fake> s = holder(false);
        assertFalse(s.release());
        assertTrue(s.resident());
        assertEquals(1, (int) s.<Integer>use(f -> f.generation));
        s.close();
        assertTrue(closed.get(0).closed);
    }

    @Test
    void aSessionInUseOnAnotherThreadIsNotClosedUnderIt() throws Exception {
        OneShotSession<Fake> s = holder(true);
        CountDownLatch inUse = new CountDownLatch(1), finish = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Boolean> run = pool.submit(() -> s.use(f -> {
                inUse.countDown();
                await(finish);
                return f.closed; // still open at the end of the run
            }));
            assertTrue(inUse.await(10, TimeUnit.SECONDS));
            assertFalse(s.release(), "in use: left for a later release");
            assertTrue(s.resident());
            // close waits for the run
            Future<?> closing = Executors.newSingleThreadExecutor().submit(s::close);
            Thread.sleep(50);
            assertFalse(closing.isDone());
            finish.countDown();
            assertFalse(run.get(10, TimeUnit.SECONDS), "the session stayed open for its run");
            closing.get(10, TimeUnit.SECONDS);
            assertTrue(closed.get(0).closed);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedReopeningLeavesItReleasedAndIsTriedAgain() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        OneShotSession<Fake> s = new OneShotSession<>("fake/model.onnx", new Fake(1), () -> {
            if (attempts.incrementAndGet() == 1) throw new ModelException("fake/model.onnx: file not found");
            return new Fake(2);
        }, f -> f.closed = true);
        s.release();
        ModelException e = assertThrows(ModelException.class, () -> s.use(f -> f.generation));
        assertEquals("fake/model.onnx: file not found", e.getMessage());
        assertFalse(s.resident());
        assertEquals(2, (int) s.<Integer>use(f -> f.generation));
        s.close();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
