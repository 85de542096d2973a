package dev.emergence.engine.cli;

import dev.emergence.engine.text.SafeText;
import dev.emergence.engine.library.DownloadListener;
import dev.emergence.engine.library.DownloadProgress;

import java.io.PrintStream;

/**
 * Download progress on stderr: on a terminal one line rewritten in place; into a log, a line every
 * few seconds and at each file's end, so logs stay readable.
 */
final class ProgressPrinter implements DownloadListener {
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    private final PrintStream err;
    private final boolean terminal;
    private boolean midLine;
    private long lastLogged;
    private String lastFile;

    ProgressPrinter(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public synchronized void stage(String message) {
        endLine();
        err.println(SafeText.line(message));
    }

    @Override
    public synchronized void progress(DownloadProgress p) {
        // File names come from the hub: escaped, so only our own \r and erase-line reach the terminal.
        String line = SafeText.line(p.line());
        if (terminal) {
            err.print("\r" + line + "\033[K");
            err.flush();
            midLine = true;
            return;
        }
        long now = System.nanoTime();
        boolean fileDone = p.fileBytesDone() == p.fileBytes() && !p.file().equals(lastFile);
        if (fileDone || now - lastLogged > LOG_EVERY_NANOS) {
            err.println(line);
            lastLogged = now;
            if (fileDone) lastFile = p.file();
        }
    }

    synchronized void endLine() {
        if (midLine) {
            err.println();
            midLine = false;
        }
    }
}
