package dev.emergence.engine.library;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of the Hugging Face hub's HTTP API a model download needs, at a configurable base URL
 * (the hub itself, a mirror, or a test server):
 * <ul>
 *   <li>{@code GET {base}/api/models/{repo}/revision/{revision}}: the commit a branch, tag or commit id
 *       names ({@code "sha"}), so that every file comes from the same commit even if the branch moves;</li>
 *   <li>{@code GET {base}/api/models/{repo}/tree/{commit}?recursive=true}: every file with its size, git
 *       blob id ({@code oid}) and, for LFS files, {@code lfs: {oid (sha-256), size}}; the answer comes in
 *       pages linked by a {@code Link: <url>; rel="next"} header;</li>
 *   <li>{@code GET {base}/{repo}/resolve/{commit}/{path}}: a file's content, usually by a redirect to a
 *       CDN for LFS files; {@code Range} requests resume partial downloads.</li>
 * </ul>
 * Errors become one-line {@link LibraryException}s, told apart as the hub's own client does: by the
 * {@code X-Error-Code} header (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo), with a 401
 * meaning "not found, or private" for unauthenticated requests.
 */
public final class HubClient {
    public static final URI DEFAULT_BASE = URI.create("https://huggingface.co");
    /** "owner/name" or a legacy id without owner; the characters the hub allows. */
    private static final Pattern REPO = Pattern.compile("(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_PAGES = 1000;
    /** Far above any model repository (a few hundred files); a listing that goes on is no repository's. */
    static final int MAX_FILES = 100_000;

    /** Far above any page of a file list (a few hundred KB); a longer answer is no answer the hub gives. */
    static final int MAX_ANSWER_BYTES = 32 << 20;

    private final URI base;
    /** Why {@link #base} cannot be used (not http or https), or null. */
    private final String baseProblem;
    private final String token;
    private final HttpClient http;
    private final HubTimeouts timeouts;

    /**
     * @param base  the hub's address, e.g. {@link #DEFAULT_BASE}
     * @param token an access token for gated or private repositories, or null
     */
    public HubClient(URI base, String token) {
        this(base, token, HubTimeouts.DEFAULTS);
    }

    /** As {@link #HubClient(URI, String)}, with the given limits on every connection and answer. */
    public HubClient(URI base, String token, HubTimeouts timeouts) {
        this(base, null, token, timeouts);
    }

    private HubClient(URI base, String baseProblem, String token, HubTimeouts timeouts) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.baseProblem = baseProblem != null ? baseProblem : httpProblem(this.base);
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.timeouts = timeouts;
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeouts.connect())
                // Redirects are followed by hand: the token must not travel to another host (the CDN).
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /**
     * The hub named by the environment as the hub's own tools read it: {@code HF_ENDPOINT} for the
     * address (default {@link #DEFAULT_BASE}), {@code HF_TOKEN} (or the older
     * {@code HUGGING_FACE_HUB_TOKEN}) for the token.
     */
    public static HubClient fromEnvironment() {
        String endpoint = System.getenv("HF_ENDPOINT");
        if (endpoint == null || endpoint.isBlank()) return new HubClient(DEFAULT_BASE, tokenFromEnvironment());
        try {
            return new HubClient(new URI(endpoint.trim()), tokenFromEnvironment());
        } catch (java.net.URISyntaxException e) {
            // Said when the hub is first asked, in one line: a bad setting must not stop the studio from starting.
            return new HubClient(DEFAULT_BASE, "'" + endpoint.trim() + "' (HF_ENDPOINT) is not a valid address", tokenFromEnvironment(),
                    HubTimeouts.DEFAULTS);
        }
    }

    /** {@code HF_TOKEN}, else {@code HUGGING_FACE_HUB_TOKEN}, else null. */
    public static String tokenFromEnvironment() {
        String token = System.getenv("HF_TOKEN");
        if (token == null || token.isBlank()) token = System.getenv("HUGGING_FACE_HUB_TOKEN");
        return token == null || token.isBlank() ? null : token;
    }

    public URI base() {
        return base;
    }

    HttpClient http() {
        return http;
    }

    HubTimeouts timeouts() {
        return timeouts;
    }

    /** Null when {@code url} is an http or https address with a host, else what is wrong with it. */
    static String httpProblem(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) return "'" + url + "' is not an http(s) address";
        if (url.getHost() == null || url.getHost().isEmpty()) return "'" + url + "' names no host";
        return null;
    }

    /** Fails with a one-line message unless the hub's own address can be used. */
    void requireUsableBase() throws LibraryException {
        if (baseProblem != null) {
            throw new LibraryException("the hub address " + baseProblem + "; expected e.g. " + DEFAULT_BASE);
        }
    }

    /**
     * Where the {@code Location} of a redirect from {@code from} points, refusing anything but an http(s)
     * address (a {@code file:} URL must not make the client read a local file, nor any other scheme crash it).
     */
    static URI redirectTarget(URI from, String location) throws LibraryException {
        URI to;
        try {
            to = from.resolve(new URI(location.strip()));
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw new LibraryException(from.getHost() + " redirected to '" + location + "', which is not a valid address");
        }
        String problem = httpProblem(to);
        if (problem != null) throw new LibraryException(from.getHost() + " redirected to " + problem + "; expected a download address");
        return to;
    }

    /** Fails with a one-line message unless {@code repo} looks like a hub repository id. */
    public static String checkRepo(String repo) throws LibraryException {
        if (repo == null || !REPO.matcher(repo).matches() || repo.contains("..") || repo.contains("--")) {
            throw new LibraryException("'" + repo + "' is not a hub repository id; expected owner/name, e.g. "
                    + "onnx-community/stable-diffusion-v1-5-ONNX");
        }
        return repo;
    }

    /** The commit id (40 hex digits) that {@code revision} (a branch, tag or commit) names now. */
    public String resolveCommit(String repo, String revision) throws IOException {
        checkRepo(repo);
        requireUsableBase();
        URI url = URI.create(base + "/api/models/" + repo + "/revision/" + segment(revision));
        JsonNode answer = getJson(url, repo, revision, null);
        JsonNode sha = answer.get("sha");
        if (sha == null || !sha.isTextual() || !sha.textValue().matches("[0-9a-f]{40}")) {
            throw new LibraryException(url + ": the hub's answer has no commit id (\"sha\")");
        }
        return sha.textValue();
    }

    /** Every file of {@code repo} at {@code revision} (best a commit id from {@link #resolveCommit}), in the hub's order. */
    public List<HubFile> listFiles(String repo, String revision) throws IOException {
        checkRepo(repo);
        requireUsableBase();
        List<HubFile> files = new ArrayList<>();
        URI url = URI.create(base + "/api/models/" + repo + "/tree/" + segment(revision) + "?recursive=true");
        for (int page = 0; url != null; page++) {
            if (page == MAX_PAGES) throw new LibraryException(url + ": the hub's file list does not end");
            Answer response = send(url, repo, revision, null);
            JsonNode entries = parse(url, response.body());
            if (!entries.isArray()) throw new LibraryException(url + ": expected a JSON list of files");
            for (JsonNode e : entries) {
                if (!"file".equals(e.path("type").asText())) continue;
                if (files.size() == MAX_FILES) throw new LibraryException(url + ": the hub lists more than " + MAX_FILES + " files; no model has that many");
                files.add(file(url, e));
            }
            url = next(url, response.headers()).orElse(null);
        }
        return files;
    }

    /** Where a file's content is: {@code {base}/{repo}/resolve/{revision}/{path}}. */
    public URI fileUrl(String repo, String revision, String path) {
        StringBuilder s = new StringBuilder(base + "/" + repo + "/resolve/" + segment(revision));
        for (String part : path.split("/")) s.append('/').append(segment(part));
        return URI.create(s.toString());
    }

    /**
     * A GET request for {@code url} carrying the token only to the hub's own host, and a
     * {@code Range} from {@code offset} when it is above zero.
     */
    HttpRequest request(URI url, long offset) {
        return builder(url, offset).build();
    }

    private HttpRequest.Builder builder(URI url, long offset) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).GET().timeout(timeouts.answer())
                .header("User-Agent", userAgent());
        if (token != null && sameHost(url, base)) b.header("Authorization", "Bearer " + token);
        if (offset > 0) b.header("Range", "bytes=" + offset + "-");
        return b;
    }

    /** The one-line error for a failed answer about {@code repo} at {@code revision} (and {@code path}, if a file). */
    LibraryException error(URI url, int status, HttpHeaders headers, byte[] body, String repo, String revision, String path) {
        String code = headers.firstValue("X-Error-Code").orElse("");
        String message = headers.firstValue("X-Error-Message").orElseGet(() -> bodyMessage(body));
        String where = base.getHost() == null ? base.toString() : base.getHost();
        if (code.equals("GatedRepo")) {
            return new LibraryException("repository '" + repo + "' is gated: accept its conditions on " + base + "/" + repo
                    + " and set HF_TOKEN to an access token of that account");
        }
        if (code.equals("RevisionNotFound")) {
            return new LibraryException("revision '" + revision + "' not found in repository '" + repo + "' on " + where);
        }
        if (code.equals("EntryNotFound") && path != null) {
            return new LibraryException("file '" + path + "' not found in repository '" + repo + "' at revision '" + revision + "'");
        }
        if (code.equals("RepoNotFound") || status == 401 || (status == 404 && path == null)) {
            return new LibraryException("repository '" + repo + "' not found on " + where
                    + (token == null ? " (if it is private or gated, set HF_TOKEN to an access token)" : ""));
        }
        if (status == 403) {
            return new LibraryException("access to '" + repo + "' refused by " + where + (message.isEmpty() ? "" : ": " + message));
        }
        return new LibraryException(where + " answered HTTP " + status + " for " + url + (message.isEmpty() ? "" : ": " + message));
    }

    /** A connection failure in one line that says which server could not be reached, and the likely reason. */
    LibraryException unreachable(URI url, IOException e) {
        String why = null;
        for (Throwable t = e; t != null && why == null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                why = "the name " + url.getHost() + " does not resolve (no network, or no DNS)";
            }
        }
        if (why == null) {
            why = e instanceof HttpConnectTimeoutException ? "timed out connecting"
                    : e instanceof HttpTimeoutException ? "timed out waiting for an answer"
                    : e instanceof ConnectException ? "could not connect (no network, a firewall or proxy, or the server is down)"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        }
        return new LibraryException("cannot reach " + url.getScheme() + "://" + url.getAuthority() + ": " + why, e);
    }

    private JsonNode getJson(URI url, String repo, String revision, String path) throws IOException {
        return parse(url, send(url, repo, revision, path).body());
    }

    /**
     * One API request, its whole answer (headers and body) within the answer deadline and every read
     * within the read timeout; the body is kept up to {@link #MAX_ANSWER_BYTES}.
     */
    private Answer send(URI url, String repo, String revision, String path) throws IOException {
        requireUsableBase();
        BoundedBody body = new BoundedBody(MAX_ANSWER_BYTES);
        CompletableFuture<HttpResponse<byte[]>> future;
        try {
            future = http.sendAsync(builder(url, 0).header("Accept", "application/json").build(), info -> body);
        } catch (IllegalArgumentException e) {
            throw new LibraryException("cannot ask " + url + ": " + e.getMessage());
        }
        HttpResponse<byte[]> response = awaitAnswer(url, future, body);
        if (response.statusCode() != 200) {
            throw error(url, response.statusCode(), response.headers(), response.body(), repo, revision, path);
        }
        return new Answer(response.headers(), response.body());
    }

    private record Answer(HttpHeaders headers, byte[] body) {
    }

    private HttpResponse<byte[]> awaitAnswer(URI url, CompletableFuture<HttpResponse<byte[]>> future, BoundedBody body) throws IOException {
        long deadline = System.nanoTime() + timeouts.answer().toNanos();
        long readNanos = timeouts.read().toNanos();
        try {
            while (true) {
                try {
                    return future.get(100, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    long now = System.nanoTime();
                    String why = now - deadline > 0 ? "the answer took longer than " + seconds(timeouts.answer())
                            : now - body.lastActivity() > readNanos ? "no data for " + seconds(timeouts.read()) : null;
                    if (why != null) {
                        body.abort();
                        future.cancel(true);
                        throw new LibraryException("cannot reach " + url.getScheme() + "://" + url.getAuthority() + ": " + why);
                    }
                }
            }
        } catch (InterruptedException e) {
            body.abort();
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.CancellationException("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof LibraryException le) throw le;
            if (cause instanceof IOException io) throw unreachable(url, io);
            throw unreachable(url, new IOException(cause == null ? "failed" : cause.toString(), cause));
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Collects an answer's body up to a limit, noting when bytes last arrived. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int max;
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private final CompletableFuture<byte[]> done = new CompletableFuture<>();
        private volatile long lastActivity = System.nanoTime();
        private Flow.Subscription subscription;
        private boolean aborted;

        BoundedBody(int max) {
            this.max = max;
        }

        long lastActivity() {
            return lastActivity;
        }

        @Override
        public synchronized void onSubscribe(Flow.Subscription s) {
            subscription = s;
            lastActivity = System.nanoTime();
            if (aborted) s.cancel();
            else s.request(1);
        }

        @Override
        public synchronized void onNext(List<ByteBuffer> items) {
            if (aborted) return;
            lastActivity = System.nanoTime();
            for (ByteBuffer b : items) {
                if (bytes.size() + (long) b.remaining() > max) {
                    aborted = true;
                    subscription.cancel();
                    done.completeExceptionally(new LibraryException("the hub's answer is longer than " + Bytes.human(max)
                            + ", far more than any answer it gives; stopped reading it"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public synchronized void onComplete() {
            done.complete(bytes.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return done;
        }

        synchronized void abort() {
            aborted = true;
            if (subscription != null) subscription.cancel();
            done.completeExceptionally(new IOException("aborted"));
        }
    }

    private static JsonNode parse(URI url, byte[] body) throws LibraryException {
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            throw new LibraryException(url + ": not a JSON answer (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
    }

    private static HubFile file(URI url, JsonNode e) throws LibraryException {
        String path = e.path("path").asText("");
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || List.of(path.split("/")).contains("..")) {
            throw new LibraryException(url + ": the hub lists an unusable file path '" + path + "'");
        }
        JsonNode lfs = e.get("lfs");
        String sha256 = null;
        long size = e.path("size").asLong(-1);
        if (lfs != null && lfs.isObject()) {
            sha256 = lfs.path("oid").asText("").toLowerCase(Locale.ROOT);
            if (sha256.startsWith("sha256:")) sha256 = sha256.substring("sha256:".length());
            if (lfs.has("size")) size = lfs.get("size").asLong(-1);
            if (!sha256.matches("[0-9a-f]{64}")) throw new LibraryException(url + ": '" + path + "' has no sha-256 in its LFS entry");
        }
        String oid = e.path("oid").asText("").toLowerCase(Locale.ROOT);
        if (size < 0) throw new LibraryException(url + ": '" + path + "' has no size");
        if (sha256 == null && !oid.matches("[0-9a-f]{40}")) throw new LibraryException(url + ": '" + path + "' has no git object id");
        return new HubFile(path, size, oid, sha256);
    }

    /** The next page's address from a {@code Link} header, which must be an http(s) address like any other. */
    private static Optional<URI> next(URI current, HttpHeaders headers) throws LibraryException {
        for (String link : headers.allValues("Link")) {
            Matcher m = NEXT_LINK.matcher(link);
            if (m.find()) {
                URI next;
                try {
                    next = current.resolve(new URI(m.group(1).strip()));
                } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                    throw new LibraryException(current + ": the hub's next page '" + m.group(1) + "' is not a valid address");
                }
                String problem = httpProblem(next);
                if (problem != null) throw new LibraryException(current + ": the hub's next page " + problem);
                return Optional.of(next);
            }
        }
        return Optional.empty();
    }

    private static String bodyMessage(byte[] body) {
        if (body == null || body.length == 0) return "";
        String text = new String(body, 0, Math.min(body.length, 2000), StandardCharsets.UTF_8).strip();
        try {
            JsonNode json = MAPPER.readTree(text);
            if (json != null && json.hasNonNull("error")) return json.get("error").asText().lines().findFirst().orElse("");
        } catch (IOException | RuntimeException ignored) {
            // Not JSON: the first line of the text will do.
        }
        return text.lines().findFirst().orElse("");
    }

    static boolean sameHost(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** Percent-encodes one path segment (a revision like "refs/pr/1" keeps its slashes encoded, as the hub expects). */
    static String segment(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    private static String userAgent() {
        String v = HubClient.class.getPackage().getImplementationVersion();
        return "emergence-studio/" + (v == null ? "dev" : v) + "; java/" + Runtime.version().feature();
    }
}
