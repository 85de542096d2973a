package dev.emergence.engine.library;

import dev.emergence.engine.io.AtomicFiles;
import dev.emergence.engine.model.ModelBundle;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.pipeline.CancellationToken;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.LongConsumer;

/**
 * Downloads models from the hub into the library:
 * <ol>
 *   <li>resolves the revision to a commit, so every file comes from one commit even if the branch moves
 *       meanwhile, and lists the repository's files;</li>
 *   <li>keeps the files an ONNX bundle needs ({@link OnnxSubset}) and refuses a repository that lacks any
 *       the engine requires, before downloading anything;</li>
 *   <li>checks there is room for what is still to download, with a message naming both amounts;</li>
 *   <li>downloads each file into a staging folder inside the library, resuming what an earlier run left
 *       and verifying each file's digest ({@link FileFetcher});</li>
 *   <li>opens the result with the engine and only then moves it into the library ({@link ModelLibrary#adopt}).</li>
 * </ol>
 * A cancelled or failed download adds nothing to the library and leaves its verified files and its
 * partial file in the staging folder, so that running it again resumes it ({@link #discardPartial} drops
 * them instead). A download whose files all arrive but which the engine cannot open is deleted.
 */
public final class ModelDownloader {
    public static final String DEFAULT_REVISION = "main";
    /** The TAESD-style decoder's file in repositories that ship one as a diffusers VAE decoder (e.g. a TAESD ONNX export). */
    public static final String DEFAULT_PREVIEW_FILE = "vae_decoder/model.onnx";
    private static final String COMMIT_FILE = ".commit";
    /** The staging folders of model downloads, kept to be resumed (see {@link ModelLibrary#cleanStaleStaging}). */
    static final String RESUMABLE_PREFIX = "download-";
    /** The same for preview decoder downloads. */
    static final String RESUMABLE_PREVIEW_PREFIX = "preview-";
    private static final long PROGRESS_EVERY_NANOS = 200_000_000L;

    private final HubClient hub;
    private final ModelLibrary library;
    private final FileFetcher fetcher;

    public ModelDownloader(HubClient hub, ModelLibrary library) {
        this(hub, library, 5, Duration.ofSeconds(2), hub.timeouts().read());
    }

    /**
     * @param attempts     tries in a row without progress before a file's download fails
     * @param backoff      wait before the first retry (doubling with each further one)
     * @param stallTimeout a connection that delivers nothing for this long is dropped and retried
     */
    public ModelDownloader(HubClient hub, ModelLibrary library, int attempts, Duration backoff, Duration stallTimeout) {
        if (attempts < 1) throw new IllegalArgumentException("attempts must be 1 or more");
        this.hub = hub;
        this.library = library;
        this.fetcher = new FileFetcher(hub, attempts, backoff, stallTimeout);
    }

    /**
     * What downloading {@code repo} at {@code revision} involves.
     *
     * @param commit  the commit the revision names now
     * @param files   the files to download (the ONNX bundle's)
     * @param skipped the repository's other files, not downloaded
     * @param bytes   the size of {@code files}
     */
    public record Plan(String repo, String revision, String commit, List<HubFile> files, List<HubFile> skipped, long bytes) {
    }

    /** Lists what a model download of {@code repo} at {@code revision} fetches, refusing a repository that is no ONNX bundle. */
    public Plan plan(String repo, String revision) throws IOException {
        String rev = revision == null || revision.isBlank() ? DEFAULT_REVISION : revision;
        String commit = hub.resolveCommit(repo, rev);
        List<HubFile> all = hub.listFiles(repo, commit);
        List<HubFile> wanted = OnnxSubset.select(all);
        List<String> missing = OnnxSubset.missing(wanted);
        if (!missing.isEmpty()) {
            throw new LibraryException("repository '" + repo + "' at '" + rev + "' is not a diffusers ONNX Stable Diffusion model: it has no "
                    + String.join(", ", missing) + (rev.equals(DEFAULT_REVISION) ? " (is the ONNX export on another branch, e.g. --revision onnx?)" : ""));
        }
        List<HubFile> skipped = new ArrayList<>(all);
        skipped.removeAll(wanted);
        return new Plan(repo, rev, commit, wanted, skipped, wanted.stream().mapToLong(HubFile::size).sum());
    }

    /**
     * Downloads the ONNX bundle of {@code repo} at {@code revision} into the library as {@code name}
     * (null: named after the repository).
     */
    public ModelEntry download(String repo, String revision, String name, DownloadListener listener, CancellationToken cancel)
            throws IOException, ModelException {
        HubClient.checkRepo(repo);
        String rev = revision == null || revision.isBlank() ? DEFAULT_REVISION : revision;
        String modelName = name != null ? name : ModelLibrary.suggestName(lastSegment(repo) + (rev.equals(DEFAULT_REVISION) ? "" : "-" + rev));
        ModelLibrary.checkName(modelName);
        if (library.contains(modelName)) {
            throw new LibraryException("the library already has a model named '" + modelName + "'; remove it first or choose another name");
        }
        listener.stage("listing " + repo + " at " + rev + " on " + hub.base());
        Plan plan = plan(repo, rev);
        listener.stage(plan.files().size() + " files, " + Bytes.human(plan.bytes()) + " (commit " + plan.commit().substring(0, 12) + ")"
                + (plan.skipped().isEmpty() ? "" : "; " + plan.skipped().size() + " other files of the repository are not needed"));

        StagingArea staging = stagingFor("download", repo, rev, plan.commit());
        ModelEntry entry;
        try {
            Path modelDir = staging.folder().resolve(ModelLibrary.suggestName(lastSegment(repo)));
            fetchAll(plan, modelDir, "downloading " + repo, listener, cancel);
            listener.stage("validating the model");
            entry = library.adopt(modelDir, modelName);
        } catch (ModelException e) {
            staging.closeAndDelete();
            throw new ModelException(repo + " at '" + rev + "' was downloaded but cannot be used, so it was not added: " + e.getMessage(), e);
        } catch (FileFetcher.UnusableContentException e) {
            staging.closeAndDelete(); // Resuming from a server that sends other files than the hub lists cannot help.
            throw e;
        } catch (IOException | RuntimeException e) {
            staging.close(); // Kept, to resume from.
            throw e;
        }
        staging.closeAndDelete();
        listener.stage("added '" + modelName + "' to the library");
        return entry;
    }

    /**
     * Downloads a TAESD-style preview decoder ({@code file}, default {@value #DEFAULT_PREVIEW_FILE}, with
     * the other files of its folder, such as external weights) from {@code repo} into the library model
     * {@code modelName} as its {@value ModelBundle#PREVIEW_FOLDER}/, after checking it works with that model.
     */
    public ModelEntry downloadPreviewDecoder(String repo, String revision, String file, String modelName, boolean replace,
                                             DownloadListener listener, CancellationToken cancel) throws IOException, ModelException {
        HubClient.checkRepo(repo);
        String rev = revision == null || revision.isBlank() ? DEFAULT_REVISION : revision;
        String source = file == null || file.isBlank() ? DEFAULT_PREVIEW_FILE : file;
        if (!library.contains(modelName)) throw new LibraryException("no model named '" + modelName + "' in the library " + library.root());
        listener.stage("listing " + repo + " at " + rev + " on " + hub.base());
        String commit = hub.resolveCommit(repo, rev);
        List<HubFile> all = hub.listFiles(repo, commit);
        HubFile decoder = all.stream().filter(f -> f.path().equals(source)).findFirst().orElseThrow(() -> new LibraryException(
                "repository '" + repo + "' at '" + rev + "' has no " + source + "; its ONNX files: "
                        + String.join(", ", all.stream().map(HubFile::path).filter(p -> p.endsWith(".onnx")).toList())));
        String folder = source.contains("/") ? source.substring(0, source.lastIndexOf('/') + 1) : "";
        List<HubFile> files = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (HubFile f : all) {
            if (f == decoder) {
                files.add(f);
                targets.add("model.onnx");
            } else if (f.path().startsWith(folder) && f.path().indexOf('/', folder.length()) < 0 && !f.path().endsWith(".onnx")
                    && OnnxSubset.wanted("unet/" + f.path().substring(folder.length()))) {
                // Beside the decoder: its external weights and config, under the same names (the graph refers to them by name).
                files.add(f);
                targets.add(f.path().substring(folder.length()));
            }
        }
        Plan plan = new Plan(repo, rev, commit, files, List.of(), files.stream().mapToLong(HubFile::size).sum());
        StagingArea staging = stagingFor("preview", repo, rev + "-" + source, commit);
        ModelEntry entry;
        try {
            Path previewDir = staging.folder().resolve(ModelBundle.PREVIEW_FOLDER);
            fetchAll(plan, previewDir, targets, "downloading a preview decoder from " + repo, listener, cancel);
            listener.stage("checking the preview decoder with '" + modelName + "'");
            entry = library.installPreviewDecoder(modelName, previewDir, replace);
        } catch (ModelException e) {
            staging.closeAndDelete();
            throw new ModelException(source + " from " + repo + " does not work as a preview decoder for '" + modelName + "': " + e.getMessage(), e);
        } catch (FileFetcher.UnusableContentException e) {
            staging.closeAndDelete();
            throw e;
        } catch (IOException | RuntimeException e) {
            staging.close();
            throw e;
        }
        staging.closeAndDelete();
        return entry;
    }

    private void fetchAll(Plan plan, Path into, String what, DownloadListener listener, CancellationToken cancel) throws IOException {
        fetchAll(plan, into, plan.files().stream().map(HubFile::path).toList(), what, listener, cancel);
    }

    /** Downloads each of the plan's files to its target path under {@code into}, after checking the disk has room. */
    private void fetchAll(Plan plan, Path into, List<String> targets, String what, DownloadListener listener, CancellationToken cancel)
            throws IOException {
        List<HubFile> files = plan.files();
        long[] have = new long[files.size()];
        long remaining = 0;
        for (int i = 0; i < files.size(); i++) {
            have[i] = bytesOnDisk(files.get(i), into.resolve(targets.get(i)));
            remaining += files.get(i).size() - have[i];
        }
        Files.createDirectories(into);
        library.freeSpace().require(library.root(), remaining, what);

        Progress progress = new Progress(listener, files.size(), plan.bytes());
        long before = 0;
        for (int i = 0; i < files.size(); i++) {
            HubFile f = files.get(i);
            Path target = into.resolve(targets.get(i));
            int index = i + 1;
            long base = before;
            LongConsumer fileProgress = bytes -> progress.report(f.path(), index, bytes, f.size(), base + bytes, false);
            if (Files.isRegularFile(target) && have[i] == f.size()) {
                fileProgress.accept(f.size()); // Verified and renamed by an earlier run.
            } else {
                fetcher.fetch(plan.repo(), plan.commit(), f, target, fileProgress, cancel);
            }
            before += f.size();
            progress.report(f.path(), index, f.size(), f.size(), before, true);
        }
    }

    /** What an earlier run left of a file: all of it (renamed into place after verification), or its partial download. */
    private static long bytesOnDisk(HubFile f, Path target) throws IOException {
        if (Files.isRegularFile(target)) {
            if (Files.size(target) == f.size()) return f.size();
            Files.delete(target); // Not what this commit lists: fetch again.
        }
        Path part = target.resolveSibling(target.getFileName() + ".part");
        return Files.isRegularFile(part) ? Math.min(Files.size(part), f.size()) : 0;
    }

    /**
     * The staging folder for one repository and revision, kept between runs so a download resumes.
     * If the revision now names another commit, what it holds is from the old one and is dropped.
     */
    private StagingArea stagingFor(String kind, String repo, String revision, String commit) throws IOException {
        StagingArea staging = library.claimStaging(stagingKey(kind, repo, revision), "a download of " + repo + " at '" + revision + "'");
        try {
            Path marker = staging.folder().resolve(COMMIT_FILE);
            String previous = Files.isRegularFile(marker) ? Files.readString(marker, StandardCharsets.UTF_8).trim() : "";
            if (!previous.equals(commit)) {
                StagingArea.deleteContent(staging.folder());
                AtomicFiles.writeString(marker, commit + "\n");
            }
            return staging;
        } catch (IOException | RuntimeException e) {
            staging.close();
            throw e;
        }
    }

    private static String stagingKey(String kind, String repo, String revision) {
        return (kind.equals("download") ? RESUMABLE_PREFIX : RESUMABLE_PREVIEW_PREFIX) + ModelLibrary.suggestName(repo.replace("/", "--")).replace(' ', '_') + "-" + shortHash(repo + "\n" + revision);
    }

    /**
     * Deletes what a cancelled or failed model download of {@code repo} at {@code revision} left in the
     * library's staging folder, for when it is not to be resumed (a studio's Cancel means "I do not want it").
     * Call only once that download has returned.
     */
    public void discardPartial(String repo, String revision) throws IOException {
        HubClient.checkRepo(repo);
        String rev = revision == null || revision.isBlank() ? DEFAULT_REVISION : revision;
        Path folder = library.root().resolve(ModelLibrary.STAGING).resolve(stagingKey("download", repo, rev));
        if (!Files.isDirectory(folder)) return;
        library.claimStaging(stagingKey("download", repo, rev), "a download of " + repo + " at '" + rev + "'").closeAndDelete();
    }

    private static String lastSegment(String repo) {
        return repo.substring(repo.lastIndexOf('/') + 1);
    }

    private static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Turns per-file byte counts into throttled progress reports with speed and time left. */
    private static final class Progress {
        private final DownloadListener listener;
        private final int fileCount;
        private final long total;
        private final RateMeter meter = new RateMeter(5_000_000_000L);
        private long startDone = -1;
        private long lastReport;

        Progress(DownloadListener listener, int fileCount, long total) {
            this.listener = listener;
            this.fileCount = fileCount;
            this.total = total;
        }

        void report(String file, int index, long fileDone, long fileSize, long done, boolean force) {
            long now = System.nanoTime();
            if (startDone < 0) startDone = done;
            meter.record(now, done - startDone);
            if (!force && now - lastReport < PROGRESS_EVERY_NANOS) return;
            lastReport = now;
            double speed = meter.bytesPerSecond();
            double eta = done >= total ? 0 : speed > 0 ? (total - done) / speed : -1;
            listener.progress(new DownloadProgress(file, index, fileCount, fileDone, fileSize, done, total, speed, eta));
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ModelDownloader[%s -> %s]", hub.base(), library.root());
    }
}
