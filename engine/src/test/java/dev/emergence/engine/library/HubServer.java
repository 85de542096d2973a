package dev.emergence.engine.library;

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
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A stand-in for the Hugging Face hub on the loopback address, answering as the hub does (as its
 * Python client, huggingface_hub, expects):
 * <ul>
 *   <li>{@code /api/models/{repo}/revision/{rev}}: {@code {"id", "sha", "siblings"}};</li>
 *   <li>{@code /api/models/{repo}/tree/{rev}?recursive=true}: files as {@code {type, oid, size, path, lfs?}}, and
 *       folders as {@code {type: "directory"}}, in pages linked by {@code Link: <...>; rel="next"};</li>
 *   <li>{@code /{repo}/resolve/{rev}/{path}}: small files directly, LFS files by a 302 to a CDN (a second
 *       server, so a different host:port), both honouring {@code Range: bytes=N-} with 206 and Content-Range;</li>
 *   <li>errors with {@code X-Error-Code}: RepoNotFound (401, as for anonymous requests), RevisionNotFound
 *       and EntryNotFound (404).</li>
 * </ul>
 * Faults can be injected per file: a connection cut after N bytes (once), corrupted content, a slow or a
 * stalled transfer, a 503, a server that ignores ranges; and hostile answers: a chunked body that goes on
 * past the file's size, a body that trickles, a rewritten Content-Range, a redirect to any Location, and
 * API answers that stall, trickle, never end or link their next page anywhere. Every request is logged.
 */
final class HubServer implements AutoCloseable {
    /** Files above this size are served as LFS files (the real hub's threshold is 10 MB; the fixtures are small). */
    static final int LFS_THRESHOLD = 12_000;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    /**
     * One logged request, logged before its answer is sent (so a client that has its answer always finds it
     * here). {@code sent} counts body bytes as they are handed to the connection.
     */
    record Request(String server, String method, String path, String range, String authorization, int status, AtomicLong sent) {
        long bytesSent() {
            return sent.get();
        }
    }

    /** One file as committed. */
    record Blob(String path, byte[] content, boolean lfs, String sha256, String gitOid) {
    }

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    /** repo → (revision name or commit → commit). */
    private final Map<String, Map<String, String>> refs = new ConcurrentHashMap<>();
    /** commit → files in tree order. */
    private final Map<String, List<Blob>> trees = new ConcurrentHashMap<>();
    private final Map<String, Blob> bySha = new ConcurrentHashMap<>();
    final List<Request> log = Collections.synchronizedList(new ArrayList<>());

    // Faults, keyed by the file's repository path.
    final Map<String, Long> cutAfterOnce = new ConcurrentHashMap<>();
    final Map<String, byte[]> corrupt = new ConcurrentHashMap<>();
    final Set<String> slow = ConcurrentHashMap.newKeySet();
    final Map<String, Long> stallAfterOnce = new ConcurrentHashMap<>();
    final Set<String> unavailableOnce = ConcurrentHashMap.newKeySet();
    volatile boolean ignoreRanges;
    volatile int pageSize = 4;
    // Hostile answers, keyed by the file's repository path.
    /** Sent chunked (no length), the content followed by garbage until the client hangs up (or this many bytes). */
    final Map<String, Long> overlongChunked = new ConcurrentHashMap<>();
    /** One byte every this many milliseconds, never idle long enough to look stalled. */
    final Map<String, Long> trickle = new ConcurrentHashMap<>();
    /** Answers a range request with this Content-Range instead of the right one. */
    final Map<String, String> contentRange = new ConcurrentHashMap<>();
    /** Answers the file's resolve request with a 302 to this Location. */
    final Map<String, String> redirect = new ConcurrentHashMap<>();
    /** The file's redirect (its LFS 302) or, for a small file, an EntryNotFound 404, with a body that does not end. */
    final Set<String> endlessBody = ConcurrentHashMap.newKeySet();
    /** API answers (revision, tree): headers, then part of the body, then silence. */
    volatile boolean apiStalls;
    /** API answers: one byte every this many milliseconds (0: at once). */
    volatile long apiTrickleMillis;
    /** API answers: this many bytes of JSON whitespace before the answer (a body with no sane end). */
    volatile long apiPadding;
    /** This many made-up files listed after the real ones (never served). */
    volatile int extraListed;
    /** The tree listing's next-page link, instead of the real one (even on the last page). */
    volatile String nextLink;

    HubServer() throws IOException {
        // Without TCP_NODELAY every response waits ~40 ms for a delayed ACK (Nagle's algorithm): read once, when the server class loads.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(loopback, 0);
        cdn = HttpServer.create(loopback, 0);
        hub.createContext("/", this::handleHub);
        cdn.createContext("/", this::handleCdn);
        hub.setExecutor(executor);
        cdn.setExecutor(executor);
        hub.start();
        cdn.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    /** Commits the regular files under {@code folder} (plus {@code extra}) to {@code repo} as {@code branch}; returns the commit id. */
    String publish(String repo, String branch, Path folder, Map<String, byte[]> extra) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (folder != null) {
            try (Stream<Path> walk = Files.walk(folder)) {
                for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                    if (Files.isRegularFile(p)) files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
                }
            }
        }
        files.putAll(extra);
        MessageDigest commitDigest = sha("SHA-1");
        List<Blob> blobs = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            byte[] c = e.getValue();
            // git's blob id: sha-1 over "blob <size>\0" and the content (git's object format).
            MessageDigest git = sha("SHA-1");
            git.update(("blob " + c.length + "\0").getBytes(StandardCharsets.US_ASCII));
            git.update(c);
            boolean lfs = c.length > LFS_THRESHOLD;
            Blob b = new Blob(e.getKey(), c, lfs, hex(sha("SHA-256").digest(c)), hex(git.digest()));
            blobs.add(b);
            if (lfs) bySha.put(b.sha256(), b);
            commitDigest.update((b.path() + b.gitOid()).getBytes(StandardCharsets.UTF_8));
        }
        commitDigest.update((repo + branch).getBytes(StandardCharsets.UTF_8));
        String commit = hex(commitDigest.digest());
        trees.put(commit, blobs);
        Map<String, String> r = refs.computeIfAbsent(repo, k -> new ConcurrentHashMap<>());
        r.put(branch, commit);
        r.put(commit, commit);
        return commit;
    }

    Blob blob(String commit, String path) {
        return trees.get(commit).stream().filter(b -> b.path().equals(path)).findFirst().orElseThrow();
    }

    /** Requests (either server) whose path ends with {@code suffix}, resolving CDN paths to their file's path. */
    List<Request> requestsFor(String repoPath) {
        synchronized (log) {
            return log.stream().filter(r -> r.path().endsWith("/" + repoPath)).toList();
        }
    }

    private void handleHub(HttpExchange ex) throws IOException {
        String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
        try {
            Matcher api = Pattern.compile("/api/models/([^/]+/[^/]+)/(revision|tree)/(.+)").matcher(path);
            Matcher resolve = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)").matcher(path);
            if (api.matches()) {
                String commit = commitOf(ex, api.group(1), api.group(3), path);
                if (commit == null) return;
                if (api.group(2).equals("revision")) revision(ex, api.group(1), commit, path);
                else tree(ex, api.group(1), api.group(3), commit, path);
            } else if (resolve.matches()) {
                String commit = commitOf(ex, resolve.group(1), resolve.group(2), path);
                if (commit == null) return;
                Blob b = trees.get(commit).stream().filter(x -> x.path().equals(resolve.group(3))).findFirst().orElse(null);
                if (b != null && endlessBody.contains(b.path())) {
                    if (b.lfs()) {
                        ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/lfs/" + b.sha256() + "/" + b.path());
                    } else {
                        ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
                    }
                    endless(ex, path, b.lfs() ? 302 : 404);
                } else if (b == null) {
                    error(ex, "hub", path, 404, "EntryNotFound", "Entry not found");
                } else if (redirect.containsKey(b.path())) {
                    ex.getResponseHeaders().add("Location", redirect.get(b.path()));
                    logged(ex, "hub", path, 302);
                    ex.sendResponseHeaders(302, -1);
                } else if (b.lfs()) {
                    // The hub sends LFS content from its CDN, on another host.
                    URI cdnUrl = URI.create("http://127.0.0.1:" + cdn.getAddress().getPort() + "/lfs/" + b.sha256() + "/" + b.path());
                    ex.getResponseHeaders().add("Location", cdnUrl.toString());
                    logged(ex, "hub", path, 302);
                    ex.sendResponseHeaders(302, -1);
                } else {
                    serve(ex, "hub", path, b);
                }
            } else {
                error(ex, "hub", path, 404, null, "Not found");
            }
        } finally {
            closeQuietly(ex);
        }
    }

    private void handleCdn(HttpExchange ex) throws IOException {
        String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
        try {
            Matcher m = Pattern.compile("/lfs/([0-9a-f]{64})/.+").matcher(path);
            Blob b = m.matches() ? bySha.get(m.group(1)) : null;
            if (b == null) error(ex, "cdn", path, 404, null, "NoSuchKey");
            else serve(ex, "cdn", path, b);
        } finally {
            closeQuietly(ex);
        }
    }

    private String commitOf(HttpExchange ex, String repo, String revision, String path) throws IOException {
        Map<String, String> r = refs.get(repo);
        if (r == null) {
            // Anonymous requests for missing (or private) repositories get 401 from the hub.
            error(ex, "hub", path, 401, "RepoNotFound", "Repository not found");
            return null;
        }
        String commit = r.get(revision);
        if (commit == null) error(ex, "hub", path, 404, "RevisionNotFound", "Invalid rev id: " + revision);
        return commit;
    }

    private void revision(HttpExchange ex, String repo, String commit, String path) throws IOException {
        ObjectNode answer = MAPPER.createObjectNode();
        answer.put("_id", "0123456789abcdef01234567");
        answer.put("id", repo);
        answer.put("sha", commit);
        ArrayNode siblings = answer.putArray("siblings");
        for (Blob b : trees.get(commit)) siblings.addObject().put("rfilename", b.path());
        json(ex, path, answer.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    private void tree(HttpExchange ex, String repo, String revision, String commit, String path) throws IOException {
        // Recursive listings hold the folders too, each once, before their files (as the hub lists them).
        List<ObjectNode> entries = new ArrayList<>();
        Set<String> folders = new TreeSet<>();
        for (Blob b : trees.get(commit)) {
            String[] parts = b.path().split("/");
            StringBuilder dir = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) {
                dir.append(i == 0 ? "" : "/").append(parts[i]);
                if (folders.add(dir.toString())) {
                    ObjectNode d = MAPPER.createObjectNode();
                    d.put("type", "directory").put("oid", "0".repeat(40)).put("size", 0).put("path", dir.toString());
                    entries.add(d);
                }
            }
            ObjectNode f = MAPPER.createObjectNode();
            f.put("type", "file");
            if (b.lfs()) {
                // For LFS files the git object is the pointer file; its id is not the content's.
                f.put("oid", hex(sha("SHA-1").digest(("pointer " + b.path()).getBytes(StandardCharsets.UTF_8))));
                f.put("size", b.content().length);
                f.putObject("lfs").put("oid", b.sha256()).put("size", b.content().length).put("pointerSize", 134);
            } else {
                f.put("oid", b.gitOid());
                f.put("size", b.content().length);
            }
            f.put("path", b.path());
            entries.add(f);
        }
        for (int i = 0; i < extraListed; i++) {
            ObjectNode f = MAPPER.createObjectNode();
            f.put("type", "file").put("oid", "0".repeat(40)).put("size", 1).put("path", "many/" + i);
            entries.add(f);
        }
        String query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
        Matcher cursor = Pattern.compile("cursor=(\\d+)").matcher(query);
        int from = cursor.find() ? Integer.parseInt(cursor.group(1)) : 0;
        int to = Math.min(entries.size(), from + pageSize);
        ArrayNode page = MAPPER.createArrayNode();
        entries.subList(from, to).forEach(page::add);
        String next = nextLink != null ? "<" + nextLink + ">; rel=\"next\"" : to < entries.size()
                ? "<" + base() + "/api/models/" + repo + "/tree/" + revision + "?recursive=true&cursor=" + to + ">; rel=\"next\"" : null;
        json(ex, path, page.toString().getBytes(StandardCharsets.UTF_8), next);
    }

    /** Sends a file's content (or the injected fault) from the requested offset. */
    private void serve(HttpExchange ex, String server, String path, Blob b) throws IOException {
        String file = b.path();
        if (unavailableOnce.remove(file)) {
            error(ex, server, path, 503, null, "Service Unavailable");
            return;
        }
        byte[] content = corrupt.getOrDefault(file, b.content());
        String range = ex.getRequestHeaders().getFirst("Range");
        long offset = 0;
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m != null && m.matches() && !ignoreRanges) offset = Long.parseLong(m.group(1));
        if (offset >= content.length && offset > 0) {
            ex.getResponseHeaders().add("Content-Range", "bytes */" + content.length);
            logged(ex, server, path, 416);
            ex.sendResponseHeaders(416, -1);
            return;
        }
        int status = offset > 0 ? 206 : 200;
        if (status == 206) {
            ex.getResponseHeaders().add("Content-Range", contentRange.getOrDefault(file, "bytes " + offset + "-" + (content.length - 1) + "/" + content.length));
        }
        if (overlongChunked.containsKey(file) && offset == 0) {
            overlong(ex, server, path, content, overlongChunked.get(file));
            return;
        }
        ex.getResponseHeaders().add("Accept-Ranges", "bytes");
        ex.getResponseHeaders().add("ETag", "\"" + (b.lfs() ? b.sha256() : b.gitOid()) + "\"");
        long length = content.length - offset;
        AtomicLong sent = logged(ex, server, path, status).sent();
        ex.sendResponseHeaders(status, length == 0 ? -1 : length);
        // A fault applies to the next request that reaches it, once.
        long stopAt = content.length;
        boolean stallThere = false;
        Long cut = cutAfterOnce.remove(file);
        if (cut != null && cut > offset && cut < stopAt) stopAt = cut;
        Long stall = stallAfterOnce.remove(file);
        if (stall != null && stall > offset && stall < stopAt) {
            stopAt = stall;
            stallThere = true;
        }
        Long trickleMillis = trickle.get(file);
        try {
            OutputStream out = ex.getResponseBody();
            if (trickleMillis != null) {
                for (long at = offset; at < content.length; at++) {
                    out.write(content[(int) at]);
                    out.flush();
                    sent.incrementAndGet();
                    sleepQuietly(trickleMillis);
                }
                return;
            }
            int chunk = slow.contains(file) ? 4096 : 16384;
            for (long at = offset; at < stopAt; ) {
                int n = (int) Math.min(chunk, stopAt - at);
                sent.addAndGet(n);
                out.write(content, (int) at, n);
                at += n;
                if (slow.contains(file)) {
                    out.flush();
                    sleepQuietly(20);
                }
            }
            if (stopAt < content.length) {
                out.flush();
                if (stallThere) sleepQuietly(30_000); // Until the client gives up and hangs up (or the server stops).
                throw new IOException("injected fault"); // Closing with bytes missing drops the connection.
            }
            out.flush();
        } catch (IOException e) {
            // The client hung up, or a fault cut the transfer: closing the exchange drops the connection.
        }
    }

    /** The whole content, then garbage, in a chunked body: until the client hangs up or {@code limit} bytes went out. */
    private void overlong(HttpExchange ex, String server, String path, byte[] content, long limit) throws IOException {
        AtomicLong sent = logged(ex, server, path, 200).sent();
        ex.sendResponseHeaders(200, 0); // 0: chunked, no length announced
        try {
            OutputStream out = ex.getResponseBody();
            out.write(content);
            sent.addAndGet(content.length);
            byte[] garbage = new byte[65536];
            while (sent.get() < limit) {
                out.write(garbage);
                sent.addAndGet(garbage.length);
            }
            out.flush();
        } catch (IOException e) {
            // The client hung up: what the test wants.
        }
    }

    /** A chunked body of garbage until the client hangs up (or 300 MB). */
    private void endless(HttpExchange ex, String path, int status) throws IOException {
        AtomicLong sent = logged(ex, "hub", path, status).sent();
        ex.sendResponseHeaders(status, 0);
        try {
            OutputStream out = ex.getResponseBody();
            byte[] garbage = new byte[65536];
            java.util.Arrays.fill(garbage, (byte) 'x');
            while (sent.get() < 300L << 20) {
                out.write(garbage);
                sent.addAndGet(garbage.length);
            }
        } catch (IOException e) {
            // The client hung up.
        }
    }

    private void json(HttpExchange ex, String path, byte[] body, String link) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        if (link != null) ex.getResponseHeaders().add("Link", link);
        long padding = apiPadding;
        AtomicLong sent = logged(ex, "hub", path, 200).sent();
        ex.sendResponseHeaders(200, padding > 0 ? 0 : body.length);
        OutputStream out = ex.getResponseBody();
        try {
            if (padding > 0) {
                byte[] spaces = new byte[65536];
                java.util.Arrays.fill(spaces, (byte) ' ');
                for (long n = 0; n < padding; n += spaces.length) {
                    out.write(spaces);
                    sent.addAndGet(spaces.length);
                }
            }
            if (apiStalls) {
                out.write(body, 0, body.length / 2);
                out.flush();
                sleepQuietly(30_000); // Until the client gives up and hangs up (or the server stops).
                return;
            }
            long every = apiTrickleMillis;
            if (every > 0) {
                for (byte b : body) {
                    out.write(b);
                    out.flush();
                    sent.incrementAndGet();
                    sleepQuietly(every);
                }
                return;
            }
            out.write(body);
            sent.addAndGet(body.length);
        } catch (IOException e) {
            // The client hung up.
        }
    }

    private void error(HttpExchange ex, String server, String path, int status, String code, String message) throws IOException {
        byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        if (code != null) ex.getResponseHeaders().add("X-Error-Code", code);
        ex.getResponseHeaders().add("X-Error-Message", message);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        logged(ex, server, path, status);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    private Request logged(HttpExchange ex, String server, String path, int status) {
        Request r = new Request(server, ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Range"),
                ex.getRequestHeaders().getFirst("Authorization"), status, new AtomicLong());
        log.add(r);
        return r;
    }

    private static void closeQuietly(HttpExchange ex) {
        try {
            ex.close();
        } catch (RuntimeException e) {
            // A cut transfer: the connection is dropped, which is the point.
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static MessageDigest sha(String algorithm) {
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
        hub.stop(0);
        cdn.stop(0);
        executor.shutdownNow();
    }
}
