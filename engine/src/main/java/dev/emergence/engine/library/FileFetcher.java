package dev.emergence.engine.library;

import dev.emergence.engine.pipeline.CancellationToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one hub file into place, resumably and verified:
 * <ol>
 *   <li>bytes go to {@code NAME.part} beside the target; a {@code .part} left by an earlier, interrupted
 *       run is continued with an HTTP {@code Range} request, its bytes hashed first, not fetched again;</li>
 *   <li>a connection that breaks or stalls mid-file is retried from where it stopped (a few times in a
 *       row without progress at most; any progress resets the count);</li>
 *   <li>the content is checked against the hub's digest (sha-256 for LFS files, the git blob id for
 *       others) and the {@code .part} renamed to the target only when it matches. A wrong file is
 *       deleted; if it had been resumed, it is fetched once more from the start, since the old part
 *       may be what was wrong.</li>
 * </ol>
 * Cancelling stops within a fraction of a second, even on a stalled connection, and keeps the
 * {@code .part} for the next run.
 */
final class FileFetcher {
    /** At most 18 digits: every value fits a long, so no answer can make parsing it throw. */
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)");
    private static final long POLL_MILLIS = 100;

    private final HubClient hub;
    private final int attempts;
    private final Duration backoff;
    private final Duration stallTimeout;

    /**
     * @param attempts     tries in a row without progress before a file's download fails
     * @param backoff      wait before the first retry, doubling with each further one
     * @param stallTimeout a connection that delivers nothing for this long is dropped and retried
     */
    FileFetcher(HubClient hub, int attempts, Duration backoff, Duration stallTimeout) {
        this.hub = hub;
        this.attempts = attempts;
        this.backoff = backoff;
        this.stallTimeout = stallTimeout;
    }

    /**
     * Fetches {@code file} of {@code repo} at {@code commit} into {@code target}.
     *
     * @param progress told the bytes of this file on disk, a few times a second
     */
    void fetch(String repo, String commit, HubFile file, Path target, LongConsumer progress, CancellationToken cancel) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        Files.createDirectories(target.getParent());
        URI url = hub.fileUrl(repo, commit, file.path());
        for (int round = 0; ; round++) {
            boolean resumed;
            String actual;
            try (PartFile out = PartFile.open(part, file)) {
                resumed = out.position() > 0;
                progress.accept(out.position());
                transferAll(url, repo, commit, file, out, progress, cancel);
                out.force();
                actual = Checksums.hex(out.digest());
            }
            if (actual.equals(Checksums.expected(file))) {
                move(part, target);
                return;
            }
            Files.deleteIfExists(part);
            if (resumed && round == 0) continue; // The earlier run's bytes may be the bad ones: once more from zero.
            throw new LibraryException(file.path() + ": checksum mismatch, expected " + file.expectedDigest() + " but got " + actual
                    + "; the file was discarded");
        }
    }

    /** Transfers until the part holds the whole file, retrying broken or stalled connections. */
    private void transferAll(URI url, String repo, String commit, HubFile file, PartFile out, LongConsumer progress,
                             CancellationToken cancel) throws IOException {
        int failures = 0;
        int requests = 0;
        while (out.position() < file.size()) {
            checkCancelled(cancel);
            if (++requests > 20 * attempts) {
                throw new LibraryException(file.path() + ": download failed, " + (requests - 1) + " requests did not complete it"
                        + " (run it again to resume from " + Bytes.human(out.position()) + ")");
            }
            long before = out.position();
            try {
                transferOnce(url, repo, commit, file, out, progress, cancel);
                if (out.position() < file.size()) {
                    throw new IOException("the connection ended after " + out.position() + " of " + file.size() + " bytes");
                }
            } catch (LibraryException e) {
                throw e;
            } catch (IOException e) {
                failures = out.position() > before ? 1 : failures + 1;
                if (failures >= attempts) {
                    throw new LibraryException(file.path() + ": download failed after " + failures + " attempts in a row: "
                            + message(e) + " (run it again to resume from " + Bytes.human(out.position()) + ")", e);
                }
                sleep(backoff.multipliedBy(1L << Math.min(failures - 1, 6)), cancel);
            }
        }
        if (out.position() > file.size()) {
            throw new LibraryException(file.path() + ": the server sent " + out.position() + " bytes, the hub lists " + file.size());
        }
    }

    /** One request (following redirects), appending what it delivers to the part. */
    private void transferOnce(URI start, String repo, String commit, HubFile file, PartFile out, LongConsumer progress,
                              CancellationToken cancel) throws IOException {
        URI url = start;
        for (int hop = 0; hop < 10; hop++) {
            Sink sink = new Sink(out, out.position(), file);
            CompletableFuture<HttpResponse<Void>> future;
            try {
                future = hub.http().sendAsync(hub.request(url, out.position()), sink);
            } catch (IllegalArgumentException e) {
                throw new LibraryException(file.path() + ": cannot request " + url + " (" + e.getMessage() + ")");
            }
            HttpResponse<Void> response = await(future, sink, out, file, progress, cancel);
            int status = response.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                Optional<String> location = response.headers().firstValue("Location");
                if (location.isEmpty()) throw new IOException(url + " redirected without a Location");
                url = HubClient.redirectTarget(url, location.get());
                continue;
            }
            if (sink.problem != null) throw sink.problem;
            if (status == 416) {
                // The range starts at or past the end of what the server has: the part is whole, or unusable.
                if (out.position() == file.size()) return;
                long at = out.position();
                out.restart();
                throw new IOException("the server refused to resume at byte " + at);
            }
            if (status == 200 || status == 206) return;
            if (status == 429 || status >= 500) throw new IOException(url.getHost() + " answered HTTP " + status);
            throw hub.error(url, status, response.headers(), sink.errorBody(), repo, commit, file.path());
        }
        throw new IOException(start + ": too many redirects");
    }

    /**
     * Waits for one response and its body: cancelled, stalled for the stall timeout, or past the
     * request's deadline (which scales with the bytes still to come, see {@link HubTimeouts}), it is dropped.
     */
    private HttpResponse<Void> await(CompletableFuture<HttpResponse<Void>> future, Sink sink, PartFile out, HubFile file,
                                     LongConsumer progress, CancellationToken cancel) throws IOException {
        long stallNanos = stallTimeout.toNanos();
        Duration allowed = hub.timeouts().fileDeadline(file.size() - out.position());
        long deadline = System.nanoTime() + allowed.toNanos();
        while (true) {
            try {
                HttpResponse<Void> r = future.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                progress.accept(out.position());
                return r;
            } catch (TimeoutException e) {
                progress.accept(out.position());
                if (cancel.isCancelled()) {
                    sink.abort();
                    future.cancel(true);
                    throw cancelled();
                }
                if (System.nanoTime() - sink.lastActivity > stallNanos) {
                    sink.abort();
                    future.cancel(true);
                    throw new IOException("no data for " + seconds(stallTimeout));
                }
                if (System.nanoTime() - deadline > 0) {
                    sink.abort();
                    future.cancel(true);
                    throw new IOException("the transfer took longer than " + seconds(allowed) + " (slower than "
                            + Bytes.human(hub.timeouts().minimumBytesPerSecond()) + "/s)");
                }
            } catch (ExecutionException e) {
                sink.abort();
                if (sink.problem instanceof LibraryException le) throw le; // What the sink refused, not a network fault.
                Throwable cause = e.getCause();
                if (cause instanceof IOException io) throw io;
                throw new IOException(cause == null ? "transfer failed" : cause.toString(), cause);
            } catch (InterruptedException e) {
                sink.abort();
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw cancelled();
            }
        }
    }

    private static void checkCancelled(CancellationToken cancel) {
        if (cancel.isCancelled()) throw cancelled();
    }

    static CancellationException cancelled() {
        return new CancellationException("download cancelled; run it again to resume");
    }

    private static void sleep(Duration d, CancellationToken cancel) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            checkCancelled(cancel);
            try {
                Thread.sleep(Math.max(1, Math.min(POLL_MILLIS, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw cancelled();
            }
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /**
     * The server sent other content than the hub lists (more bytes than its size): not a network
     * fault that a retry or a resume could mend. What was fetched for the model is discarded.
     */
    static final class UnusableContentException extends LibraryException {
        UnusableContentException(String message) {
            super(message);
        }
    }

    private static String message(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }

    private static void move(Path part, Path target) throws IOException {
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The {@code .part} file and the running digest of its content. */
    static final class PartFile implements AutoCloseable {
        private final FileChannel channel;
        private final HubFile file;
        private MessageDigest digest;
        private volatile long position;

        private PartFile(FileChannel channel, HubFile file) {
            this.channel = channel;
            this.file = file;
        }

        /** Opens (or creates) the part, dropping it if it is longer than the file, and hashes what it holds. */
        static PartFile open(Path part, HubFile file) throws IOException {
            FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            PartFile p = new PartFile(ch, file);
            try {
                if (ch.size() > file.size()) ch.truncate(0);
                p.digest = Checksums.start(file);
                ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                long at = 0, size = ch.size();
                while (at < size) {
                    buf.clear();
                    int n = ch.read(buf, at);
                    if (n < 0) break;
                    buf.flip();
                    p.digest.update(buf);
                    at += n;
                }
                p.position = at;
                ch.position(at);
                return p;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }

        long position() {
            return position;
        }

        MessageDigest digest() {
            return digest;
        }

        void append(ByteBuffer b) throws IOException {
            digest.update(b.duplicate());
            while (b.hasRemaining()) position += channel.write(b);
        }

        /** Back to an empty file (the server ignored the range, or the part was unusable). */
        void restart() throws IOException {
            channel.truncate(0);
            channel.position(0);
            position = 0;
            digest = Checksums.start(file);
        }

        void force() throws IOException {
            channel.force(true);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /**
     * Receives one response: a 200/206 body appended to the part (a 206 only if it starts where the part
     * ends, and never past the file's listed size); of any other body (a redirect's, an error's, a refused
     * answer's) the first few KB are kept for the message and the rest is not read.
     */
    private static final class Sink implements HttpResponse.BodyHandler<Void>, HttpResponse.BodySubscriber<Void> {
        private final PartFile out;
        private final long offset;
        private final HubFile file;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        /** How much of a body that is not the file's content is kept. */
        private static final int ERROR_BYTES = 4096;
        private final ByteArrayOutputStream error = new ByteArrayOutputStream();
        volatile long lastActivity = System.nanoTime();
        volatile IOException problem;
        private Flow.Subscription subscription;
        private boolean writing;
        private boolean aborted;

        Sink(PartFile out, long offset, HubFile file) {
            this.out = out;
            this.offset = offset;
            this.file = file;
        }

        @Override
        public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
            lastActivity = System.nanoTime();
            int status = info.statusCode();
            if (status == 206) {
                String range = info.headers().firstValue("Content-Range").orElse("");
                Matcher m = CONTENT_RANGE.matcher(range.strip());
                if (!m.matches() || Long.parseLong(m.group(1)) != offset || Long.parseLong(m.group(2)) < offset) {
                    problem = new IOException("asked for bytes from " + offset + ", the server sent Content-Range '" + oneLine(range) + "'");
                    return this;
                }
                if (!m.group(3).equals("*") && Long.parseLong(m.group(3)) != file.size()) {
                    problem = wrongSize(Long.parseLong(m.group(3)));
                    return this;
                }
                writing = true;
            } else if (status == 200) {
                long length;
                try {
                    length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
                } catch (NumberFormatException e) {
                    problem = new IOException("the server sent Content-Length '" + oneLine(info.headers().firstValue("Content-Length").orElse(""))
                            + "', not a number");
                    return this;
                }
                if (length >= 0 && length != file.size()) {
                    problem = wrongSize(length);
                    return this;
                }
                try {
                    // The whole file again: the server does not do ranges (or chose not to).
                    if (offset > 0) out.restart();
                } catch (IOException e) {
                    problem = e;
                    return this;
                }
                writing = true;
            }
            // Unless writing was set, the body is not the file's: its first bytes are kept for a message, no more.
            return this;
        }

        /** Not a network hiccup: the server has another file than the hub lists, and asking again will not help. */
        private LibraryException wrongSize(long served) {
            return new LibraryException(file.path() + ": the server sends " + served + " bytes but the hub lists " + file.size()
                    + "; the repository may have changed, try again later");
        }

        @Override
        public synchronized void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (aborted) s.cancel();
            else s.request(1);
        }

        @Override
        public synchronized void onNext(List<ByteBuffer> items) {
            if (aborted) return;
            lastActivity = System.nanoTime();
            try {
                for (ByteBuffer b : items) {
                    if (writing && b.remaining() > file.size() - out.position()) {
                        // Never past the listed size, whatever the server sends (a chunked body has no length to refuse up front).
                        problem = new UnusableContentException(file.path() + ": the server sent more than the " + file.size()
                                + " bytes the hub lists; the download was stopped there and its files discarded");
                        aborted = true;
                        subscription.cancel();
                        done.completeExceptionally(problem);
                        return;
                    }
                    if (writing) {
                        out.append(b);
                        continue;
                    }
                    byte[] bytes = new byte[Math.min(b.remaining(), ERROR_BYTES - error.size())];
                    b.get(bytes);
                    error.write(bytes, 0, bytes.length);
                    if (error.size() >= ERROR_BYTES) {
                        // A redirect's or an error's body: what a message needs is in, the rest (endless, maybe) is not read.
                        aborted = true;
                        subscription.cancel();
                        done.complete(null);
                        return;
                    }
                }
                subscription.request(1);
            } catch (IOException e) {
                aborted = true;
                subscription.cancel();
                done.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }

        @Override
        public CompletionStage<Void> getBody() {
            return done;
        }

        /** Stops writing at once; any bytes still arriving are ignored. */
        synchronized void abort() {
            aborted = true;
            if (subscription != null) subscription.cancel();
            done.completeExceptionally(new IOException("aborted"));
        }

        private static String oneLine(String s) {
            String line = s.lines().findFirst().orElse("");
            return line.length() > 100 ? line.substring(0, 100) + "..." : line;
        }

        synchronized byte[] errorBody() {
            return error.toByteArray();
        }
    }
}
