package dev.emergence.app.generation;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LatestWinsTest {
    @Test
    void aBurstQueuesOneDeliveryOfTheNewestValue() {
        Queue<Runnable> queued = new ArrayDeque<>();
        List<Integer> delivered = new ArrayList<>();
        LatestWins<Integer> lw = new LatestWins<>(queued::add, delivered::add);
        for (int i = 1; i <= 100; i++) lw.offer(i);
        assertEquals(1, queued.size(), "never more than one pending delivery");
        queued.poll().run();
        assertEquals(List.of(100), delivered);
    }

    @Test
    void aValueOfferedAfterADeliveryIsDeliveredToo() {
        Queue<Runnable> queued = new ArrayDeque<>();
        List<Integer> delivered = new ArrayList<>();
        LatestWins<Integer> lw = new LatestWins<>(queued::add, delivered::add);
        lw.offer(1);
        queued.poll().run();
        lw.offer(2);
        lw.offer(3);
        assertEquals(1, queued.size());
        queued.poll().run();
        assertEquals(List.of(1, 3), delivered);
    }

    @Test
    void clearDropsTheValueNotYetDelivered() {
        Queue<Runnable> queued = new ArrayDeque<>();
        List<Integer> delivered = new ArrayList<>();
        LatestWins<Integer> lw = new LatestWins<>(queued::add, delivered::add);
        lw.offer(7);
        lw.clear();
        queued.poll().run();
        assertEquals(List.of(), delivered);
        lw.offer(8);
        queued.poll().run();
        assertEquals(List.of(8), delivered);
    }

    @Test
    void concurrentProducersNeverQueueMoreThanOne() throws Exception {
        // Four threads offering as fast as they can while nothing is delivered: still one queued task.
        java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
        LatestWins<Integer> lw = new LatestWins<>(r -> queued.incrementAndGet(), v -> { });
        Thread[] ts = new Thread[4];
        for (int t = 0; t < ts.length; t++) {
            ts[t] = new Thread(() -> {
                for (int i = 0; i < 100_000; i++) lw.offer(i);
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        assertEquals(1, queued.get());
    }
}
