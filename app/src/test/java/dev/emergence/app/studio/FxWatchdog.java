package dev.emergence.app.studio;

import javafx.application.Platform;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures how long the JavaFX thread is busy: every few milliseconds a task is posted to it and
 * the delay until it runs is recorded. A thread kept busy for 50 ms shows as a delay of ~50 ms.
 */
final class FxWatchdog implements AutoCloseable {
    private final Thread thread;
    private final AtomicLong maxDelayNanos = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();
    private volatile boolean running = true;

    FxWatchdog(long periodMillis) {
        thread = new Thread(() -> {
            while (running) {
                long posted = System.nanoTime();
                Object done = new Object();
                boolean[] ran = {false};
                Platform.runLater(() -> {
                    long delay = System.nanoTime() - posted;
                    maxDelayNanos.accumulateAndGet(delay, Math::max);
                    samples.incrementAndGet();
                    synchronized (done) {
                        ran[0] = true;
                        done.notifyAll();
                    }
                });
                synchronized (done) {
                    // Wait for this ping before the next, so pings never queue behind each other.
                    while (!ran[0] && running) {
                        try {
                            done.wait(5);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fx-watchdog");
        thread.setDaemon(true);
        thread.start();
    }

    double maxDelayMillis() {
        return maxDelayNanos.get() / 1e6;
    }

    long samples() {
        return samples.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(1000);
    }
}
