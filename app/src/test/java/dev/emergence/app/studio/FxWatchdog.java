package dev.emergence.app.studio;

import javafx.application.Platform;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures how long the JavaFX thread stays busy: every few milliseconds a task is posted to it
 * and, when it runs, two things are recorded: the wall-clock delay, and the CPU time the FX
 * thread itself spent meanwhile. The CPU time is what "busy" means; the wall-clock delay also
 * counts time the thread was ready but got no processor (on a loaded two-core machine that can
 * dwarf the work itself). While a ping is overdue, the FX thread's stack is sampled, so a failure
 * says where the time went.
 */
final class FxWatchdog implements AutoCloseable {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Thread thread;
    private final AtomicLong maxBusyNanos = new AtomicLong();
    private final AtomicLong maxDelayNanos = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();
    private volatile long fxThreadId = -1;
    private volatile boolean running = true;
    private volatile String busiestStacks = "";
    private long stallPosted;
    private StringBuilder stallSamples = new StringBuilder();

    FxWatchdog(long periodMillis) {
        thread = new Thread(() -> {
            while (running) {
                long posted = System.nanoTime();
                long id = fxThreadId;
                long cpuAtPost = id < 0 ? -1 : THREADS.getThreadCpuTime(id);
                Object done = new Object();
                boolean[] ran = {false};
                Platform.runLater(() -> {
                    long delay = System.nanoTime() - posted;
                    if (fxThreadId < 0) {
                        fxThreadId = Thread.currentThread().getId();
                    } else if (cpuAtPost >= 0) {
                        long busy = THREADS.getCurrentThreadCpuTime() - cpuAtPost;
                        if (busy > maxBusyNanos.get()) {
                            maxBusyNanos.set(busy);
                            if (stallPosted == posted) busiestStacks = stallSamples.toString();
                        }
                        maxDelayNanos.accumulateAndGet(delay, Math::max);
                        samples.incrementAndGet();
                    }
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
                        long waited = System.nanoTime() - posted;
                        if (!ran[0] && waited > 30_000_000L) {
                            if (posted != stallPosted) {
                                stallPosted = posted;
                                stallSamples = new StringBuilder();
                            }
                            stallSamples.append("\n  after ").append(waited / 1_000_000).append(" ms:").append(fxStack());
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

    private String fxStack() {
        long id = fxThreadId;
        if (id < 0) return "";
        var info = THREADS.getThreadInfo(id, 64);
        if (info == null) return "";
        // The top frames (what it is doing) and the studio's own frames (who asked for it).
        StringBuilder s = new StringBuilder();
        StackTraceElement[] frames = info.getStackTrace();
        for (int i = 0; i < frames.length; i++) {
            if (i < 4 || frames[i].getClassName().startsWith("dev.emergence")) s.append("\n    at ").append(frames[i]);
        }
        return s.toString();
    }

    /** The most CPU time the FX thread spent while one ping waited. */
    double maxBusyMillis() {
        return maxBusyNanos.get() / 1e6;
    }

    /** The longest wall-clock wait of a ping (busy time plus time without a processor). */
    double maxDelayMillis() {
        return maxDelayNanos.get() / 1e6;
    }

    /** Samples of the FX thread's stack during the busiest stall. */
    String busiestStacks() {
        return busiestStacks;
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
