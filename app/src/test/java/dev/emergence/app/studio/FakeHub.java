package dev.emergence.app.studio;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A stand-in for the Hugging Face hub on the loopback address, answering the three requests the
 * engine's downloader makes as the hub does: {@code /api/models/{repo}/revision/{rev}} (the commit),
 * {@code /api/models/{repo}/tree/{commit}?recursive=true} (files with size, git blob id, and for
 * large files an LFS sha-256), and {@code /{repo}/resolve/{commit}/{path}} (the content, with
 * {@code Range}), plus the hub's {@code X-Error-Code} errors. (The engine's own tests use a fuller one
 * with redirects to a CDN, paging and injected network faults.)
 *
 * <p>For the studio's tests a file can be held part-way ({@link #holdAfter}): the transfer sends that
 * many bytes and waits until {@link #release()}, so a test sees a download in progress, at a known
 * place, for as long as it likes; and a file can be served corrupted ({@link #corrupt}).
 */
final class FakeHub implements AutoCloseable {
    private static final int LFS_THRESHOLD = 12_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private record Blob(String path, byte[] content, String gitOid, String sha256) {
        boolean lfs() {
            return content.length > LFS_THRESHOLD;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    /** repo → (branch or commit → commit). */
    private final Map<String, Map<String, String>> refs = new ConcurrentHashMap<>();
    private final Map<String, List<Blob>> trees = new ConcurrentHashMap<>();
    private final Map<String, Long> holds = new ConcurrentHashMap<>();
    private final Map<String, byte[]> corrupt = new ConcurrentHashMap<>();
    private final AtomicLong bytesSent = new AtomicLong();
    private volatile CountDownLatch gate = new CountDownLatch(1);
    private volatile CountDownLatch reachedHold = new CountDownLatch(1);
    /** Content is sent at about this many bytes a second (0: as fast as the connection goes). */
    volatile int bytesPerSecond;

    FakeHub() throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Commits the files under {@code folder} to {@code repo} as {@code branch}; returns the commit id. */
    String publish(String repo, String branch, Path folder) throws IOException {
        List<Blob> blobs = new ArrayList<>();
        MessageDigest commit = digest("SHA-1");
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                if (!Files.isRegularFile(p)) continue;
                byte[] c = Files.readAllBytes(p);
                MessageDigest git = digest("SHA-1");
                git.update(("blob " + c.length + "\0").getBytes(StandardCharsets.US_ASCII));
                git.update(c);
                Blob b = new Blob(folder.relativize(p).toString().replace('\\', '/'), c, hex(git.digest()), hex(digest("SHA-256").digest(c)));
                blobs.add(b);
                commit.update((b.path() + b.gitOid()).getBytes(StandardCharsets.UTF_8));
            }
        }
        commit.update((repo + "\n" + branch).getBytes(StandardCharsets.UTF_8));
        String id = hex(commit.digest());
        trees.put(id, blobs);
        Map<String, String> r = refs.computeIfAbsent(repo, k -> new ConcurrentHashMap<>());
        r.put(branch, id);
        r.put(id, id);
        return id;
    }

    /** The next transfer of {@code path} stops after {@code bytes} bytes until {@link #release()}. */
    void holdAfter(String path, long bytes) {
        gate = new CountDownLatch(1);
        reachedHold = new CountDownLatch(1);
        holds.put(path, bytes);
    }

    /** Waits until a held transfer has sent its bytes and is waiting. */
    boolean awaitHold(long seconds) throws InterruptedException {
        return reachedHold.await(seconds, TimeUnit.SECONDS);
    }

    void release() {
        gate.countDown();
    }

    /** Serves {@code content} instead of the committed file at {@code path} (its listing keeps the committed digest). */
    void corrupt(String path, byte[] content) {
        corrupt.put(path, content);
    }

    long bytesSent() {
        return bytesSent.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
        try {
            Matcher api = Pattern.compile("/api/models/([^/]+/[^/]+)/(revision|tree)/(.+)").matcher(path);
            Matcher resolve = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)").matcher(path);
            if (api.matches()) {
                String commit = commit(ex, api.group(1), api.group(3));
                if (commit == null) return;
                if (api.group(2).equals("revision")) {
                    ObjectNode answer = JSON.createObjectNode().put("id", api.group(1)).put("sha", commit);
                    json(ex, answer.toString());
                } else {
                    ArrayNode files = JSON.createArrayNode();
                    for (Blob b : trees.get(commit)) {
                        ObjectNode f = files.addObject().put("type", "file").put("path", b.path()).put("size", b.content().length);
                        if (b.lfs()) {
                            f.put("oid", hex(digest("SHA-1").digest(("pointer " + b.path()).getBytes(StandardCharsets.UTF_8))));
                            f.putObject("lfs").put("oid", b.sha256()).put("size", b.content().length);
                        } else {
                            f.put("oid", b.gitOid());
                        }
                    }
                    json(ex, files.toString());
                }
            } else if (resolve.matches()) {
                String commit = commit(ex, resolve.group(1), resolve.group(2));
                if (commit == null) return;
                Blob b = trees.get(commit).stream().filter(x -> x.path().equals(resolve.group(3))).findFirst().orElse(null);
                if (b == null) error(ex, 404, "EntryNotFound", "Entry not found");
                else serve(ex, b);
            } else {
                error(ex, 404, null, "Not found");
            }
        } finally {
            ex.close();
        }
    }

    private String commit(HttpExchange ex, String repo, String revision) throws IOException {
        Map<String, String> r = refs.get(repo);
        if (r == null) {
            error(ex, 401, "RepoNotFound", "Repository not found");
            return null;
        }
        String commit = r.get(revision);
        if (commit == null) error(ex, 404, "RevisionNotFound", "Invalid rev id: " + revision);
        return commit;
    }

    private void serve(HttpExchange ex, Blob b) throws IOException {
        byte[] content = corrupt.getOrDefault(b.path(), b.content());
        String range = ex.getRequestHeaders().getFirst("Range");
        Matcher m = range == null ? null : RANGE.matcher(range);
        int offset = m != null && m.matches() ? Integer.parseInt(m.group(1)) : 0;
        if (offset > 0) ex.getResponseHeaders().add("Content-Range", "bytes " + offset + "-" + (content.length - 1) + "/" + content.length);
        ex.sendResponseHeaders(offset > 0 ? 206 : 200, content.length - offset == 0 ? -1 : content.length - offset);
        Long hold = holds.remove(b.path());
        try {
            OutputStream out = ex.getResponseBody();
            int at = offset;
            if (hold != null && hold > offset) {
                send(out, content, at, hold.intValue());
                at = hold.intValue();
                reachedHold.countDown();
                // The client sees a transfer in progress until the test releases it (or cancels and hangs up).
                gate.await(60, TimeUnit.SECONDS);
            }
            send(out, content, at, content.length);
        } catch (IOException e) {
            // The client hung up (a cancelled download).
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(OutputStream out, byte[] content, int from, int to) throws IOException, InterruptedException {
        int chunk = 8192;
        for (int at = from; at < to; at += chunk) {
            int n = Math.min(chunk, to - at);
            out.write(content, at, n);
            out.flush();
            bytesSent.addAndGet(n);
            int rate = bytesPerSecond;
            if (rate > 0) Thread.sleep(Math.max(1, 1000L * n / rate));
        }
    }

    private static void json(HttpExchange ex, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        byte[] b = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        if (code != null) ex.getResponseHeaders().add("X-Error-Code", code);
        ex.getResponseHeaders().add("X-Error-Message", message);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        executor.shutdownNow();
    }
}
