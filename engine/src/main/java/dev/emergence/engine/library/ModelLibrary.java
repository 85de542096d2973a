package dev.emergence.engine.library;

import dev.emergence.engine.model.DefaultModel;
import dev.emergence.engine.model.DiffusionModels;
import dev.emergence.engine.model.FolderContainment;
import dev.emergence.engine.model.ModelBundle;
import dev.emergence.engine.model.ModelException;
import dev.emergence.engine.model.ModelInfo;
import dev.emergence.engine.runtime.ExecutionOptions;
import dev.emergence.engine.tensor.Tensor;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The artist's models: a folder (by default {@link DataFolders#modelsFolder()}) holding one folder
 * per model, in the layout of a diffusers ONNX export, plus the embedded default model that ships
 * with the application.
 *
 * <p>Nothing enters the library unchecked and nothing half-written ever appears in it: a model is
 * copied (or downloaded) into the hidden {@value #STAGING} folder inside the library, opened with
 * the engine ({@link ModelBundle#open}) to validate it, and only then renamed into place, which is
 * atomic on one file system. A linked model is validated before the link is made. Removing a model
 * first renames it out of the way, so a crash mid-delete leaves no broken model behind.
 *
 * <p>Every staging folder is owned by the process working in it ({@link StagingArea}); what a crash
 * left there is deleted when the library is next opened ({@link #cleanStaleStaging}), while a folder
 * another running studio or command line still works in is left alone.
 *
 * <p>The engine's summary of each model is cached beside the models (see {@link ModelSummaries}).
 */
public final class ModelLibrary {
    /** The name the embedded default model is listed under; no library model may take it. */
    public static final String EMBEDDED_NAME = DefaultModel.NAME;
    /** Inside the library: work in progress (copies, downloads, deletions), never listed. */
    public static final String STAGING = ".staging";
    /** Inside the library: LoRA files that prompts name as {@code <lora:NAME:weight>}; never listed as a model. */
    public static final String LORAS = "loras";
    /** Inside the library: ControlNet folders, each with its model.onnx; never listed as a model. */
    public static final String CONTROLNETS = "controlnets";
    private static final java.util.Set<String> RESERVED = java.util.Set.of(LORAS, CONTROLNETS);

    /** Letters, digits, and . _ - + and spaces inside; portable as a folder name on every system. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._+ -]{0,98}[A-Za-z0-9_+-])?");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String EMBEDDED_CACHE_KEY = ".embedded";
    /** How long an interrupted download, no longer worked on, is kept to be resumed. */
    static final Duration KEEP_DOWNLOADS = Duration.ofDays(14);

    private final Path root;
    private final Supplier<Optional<Path>> embedded;
    private final FreeSpace freeSpace;
    private final ModelSummaries summaries;

    /** The library in {@code root}, with the embedded model found by {@link DefaultModel#locate()}. */
    public ModelLibrary(Path root) {
        this(root, ModelLibrary::locateEmbedded, FreeSpace.system());
    }

    /**
     * @param root      the models folder (created when first needed)
     * @param embedded  finds the embedded default model, if the application has one
     * @param freeSpace how much may still be written (tests stand in for a full disk)
     */
    public ModelLibrary(Path root, Supplier<Optional<Path>> embedded, FreeSpace freeSpace) {
        this.root = root.toAbsolutePath().normalize();
        this.embedded = embedded;
        this.freeSpace = freeSpace;
        this.summaries = new ModelSummaries(this.root);
        cleanStaleStaging();
    }

    /** The library in this user's data folder. */
    public static ModelLibrary openDefault() {
        return new ModelLibrary(DataFolders.modelsFolder());
    }

    public Path root() {
        return root;
    }

    /** Where the library keeps its LoRA files (created when first needed). */
    public Path lorasFolder() {
        return root.resolve(LORAS);
    }

    /**
     * The LoRA files of {@link #lorasFolder}, sorted by name: regular {@code .safetensors} files
     * directly in it. Links are not followed, so nothing outside the library is listed.
     */
    public List<LoraEntry> listLoras() throws IOException {
        Path folder = lorasFolder();
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) return List.of();
        List<LoraEntry> out = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
            for (Path child : children) {
                String file = child.getFileName().toString();
                if (file.startsWith(".") || !file.toLowerCase(java.util.Locale.ROOT).endsWith(LoraEntry.EXTENSION)
                        || file.length() == LoraEntry.EXTENSION.length()) continue;
                java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(child,
                        java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile()) continue;
                out.add(new LoraEntry(file.substring(0, file.length() - LoraEntry.EXTENSION.length()), child, a.size()));
            }
        }
        out.sort((x, y) -> x.name().compareToIgnoreCase(y.name()));
        return out;
    }

    /** Where the library keeps its ControlNets (created when first needed). */
    public Path controlNetsFolder() {
        return root.resolve(CONTROLNETS);
    }

    /**
     * The ControlNets of {@link #controlNetsFolder}, sorted by name: folders directly in it that hold
     * a model.onnx; then those the embedded model ships in its own {@code controlnets} folder (as
     * OnnxStack's model sets keep theirs), unless a library ControlNet has the name. Links are not
     * followed, so nothing outside the library and the embedded model is listed.
     */
    public List<ControlNetEntry> listControlNets() throws IOException {
        List<ControlNetEntry> out = new ArrayList<>(controlNetsIn(controlNetsFolder()));
        java.util.Set<String> taken = new java.util.HashSet<>();
        out.forEach(e -> taken.add(e.name().toLowerCase(java.util.Locale.ROOT)));
        Optional<Path> model = embedded.get();
        if (model.isPresent()) {
            for (ControlNetEntry e : controlNetsIn(model.get().resolve(CONTROLNETS))) {
                if (taken.add(e.name().toLowerCase(java.util.Locale.ROOT))) out.add(e);
            }
        }
        return out;
    }

    private static List<ControlNetEntry> controlNetsIn(Path folder) throws IOException {
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) return List.of();
        List<ControlNetEntry> out = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (name.startsWith(".") || !Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) continue;
                if (!Files.isRegularFile(child.resolve("model.onnx"), LinkOption.NOFOLLOW_LINKS)) continue;
                out.add(new ControlNetEntry(name, child));
            }
        }
        out.sort((x, y) -> x.name().compareToIgnoreCase(y.name()));
        return out;
    }

    public FreeSpace freeSpace() {
        return freeSpace;
    }

    /** The embedded model's folder, when the application ships one. */
    public static Optional<Path> locateEmbedded() {
        try {
            return Optional.of(DefaultModel.locate());
        } catch (ModelException e) {
            return Optional.empty();
        }
    }

    /**
     * The embedded model first (when there is one), then every model in the library by name, each
     * with the engine's summary, or the reason it cannot be used.
     */
    public synchronized List<ModelEntry> list() throws IOException {
        List<ModelEntry> out = new ArrayList<>();
        Optional<Path> builtIn = embedded.get();
        builtIn.ifPresent(dir -> out.add(summaries.entry(EMBEDDED_NAME, EMBEDDED_CACHE_KEY, dir, ModelEntry.Source.EMBEDDED)));
        if (!Files.isDirectory(root)) return out;
        List<ModelEntry> models = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (name.startsWith(".") || RESERVED.contains(name)) continue;
                boolean link = Files.isSymbolicLink(child);
                if (link && !Files.exists(child)) {
                    models.add(new ModelEntry(name, child, ModelEntry.Source.LINKED, null,
                            "the linked folder " + Files.readSymbolicLink(child) + " no longer exists"));
                } else if (Files.isDirectory(child)) {
                    models.add(summaries.entry(name, name, child, link ? ModelEntry.Source.LINKED : ModelEntry.Source.COPIED));
                }
            }
        }
        models.sort((a, b) -> a.name().compareToIgnoreCase(b.name()));
        out.addAll(models);
        return out;
    }

    /** The model listed under {@code name}, if any (case-insensitive, as on macOS and Windows file systems). */
    public Optional<ModelEntry> find(String name) throws IOException {
        return list().stream().filter(e -> e.name().equalsIgnoreCase(name)).findFirst();
    }

    /**
     * Imports the diffusers-layout ONNX folder {@code source} under {@code name}. With {@code link}
     * the library points at the folder where it is (nothing copied; the folder must stay there);
     * otherwise the files are copied. Either way the model is opened with the engine first, and a
     * folder the engine cannot use is refused with its one-line reason, adding nothing.
     */
    public synchronized ModelEntry importFolder(Path source, String name, boolean link) throws ModelException, IOException {
        checkName(name);
        Path from = source.toAbsolutePath().normalize();
        if (!Files.exists(from)) throw new ModelException(source + ": model folder not found");
        if (!Files.isDirectory(from)) throw new ModelException(source + ": not a folder; expected a diffusers ONNX model folder");
        if (from.startsWith(root)) throw new LibraryException(source + " is already inside the model library " + root);
        Path target = requireFree(name);
        // Before anything is copied: a copy follows links, so a link out of the folder would bring the outside in.
        FolderContainment.requireContained(from, from.getFileName() == null ? from.toString() : from.getFileName().toString());
        Files.createDirectories(root);
        if (link) {
            Path real = from.toRealPath();
            ModelInfo info = validate(real);
            try {
                Files.createSymbolicLink(target, real);
            } catch (UnsupportedOperationException | IOException e) {
                throw new LibraryException("cannot link " + real + " into the library (" + e.getMessage()
                        + "); import it as a copy instead, or on Windows turn on Developer Mode to allow links", e);
            }
            summaries.remember(name, target, ModelSummaries.withLocation(info, name, target));
            return new ModelEntry(name, target, ModelEntry.Source.LINKED, ModelSummaries.withLocation(info, name, target), null);
        }
        long size = FileTrees.size(from);
        freeSpace.require(root, size, "copying " + from.getFileName());
        StagingArea staging = newStaging("import");
        try {
            Path copy = staging.folder().resolve(name);
            FileTrees.copy(from, copy);
            return adoptValidated(copy, name, validate(copy));
        } finally {
            staging.closeAndDelete();
        }
    }

    /**
     * Moves a complete model folder from the library's staging area into the library under
     * {@code name}, after opening it with the engine. On a {@link ModelException} nothing is added
     * and the staged folder is left for the caller to delete.
     */
    public synchronized ModelEntry adopt(Path staged, String name) throws ModelException, IOException {
        checkName(name);
        Path folder = staged.toAbsolutePath().normalize();
        if (!folder.startsWith(root.resolve(STAGING))) {
            throw new IllegalArgumentException(staged + " is not in the library's staging folder " + root.resolve(STAGING));
        }
        requireFree(name);
        return adoptValidated(folder, name, validate(folder));
    }

    private ModelEntry adoptValidated(Path staged, String name, ModelInfo info) throws IOException {
        Path target = requireFree(name);
        ModelInfo placed = ModelSummaries.withLocation(info, name, target);
        // Renaming keeps the files' sizes and times, so the fingerprint taken here stays valid.
        summaries.remember(name, staged, placed);
        try {
            moveAtomically(staged, target);
        } catch (IOException e) {
            summaries.forget(name);
            throw e;
        }
        return new ModelEntry(name, target, ModelEntry.Source.COPIED, placed, null);
    }

    /**
     * Puts the TAESD-style preview decoder staged in {@code stagedPreview} (a folder in the library's
     * staging area holding {@code model.onnx} and any files it needs) into the library model {@code name}
     * as its {@value ModelBundle#PREVIEW_FOLDER}/ folder. It is validated first, as the engine will use
     * it: the model is opened through a view of hard links (no copying, no links the system may refuse)
     * with the new decoder in place, and the decoder decodes a small latent. Only models the library owns
     * (copied or downloaded) take one; an existing decoder is kept unless {@code replace}.
     */
    public synchronized ModelEntry installPreviewDecoder(String name, Path stagedPreview, boolean replace) throws ModelException, IOException {
        Path staged = stagedPreview.toAbsolutePath().normalize();
        if (!staged.startsWith(root.resolve(STAGING))) {
            throw new IllegalArgumentException(stagedPreview + " is not in the library's staging folder");
        }
        Path model = existing(name).orElseThrow(() -> new LibraryException("no model named '" + name + "' in the library " + root));
        String actualName = model.getFileName().toString();
        if (Files.isSymbolicLink(model)) {
            throw new LibraryException("'" + actualName + "' is linked from " + Files.readSymbolicLink(model)
                    + "; the library does not write into linked folders: import it as a copy to add a preview decoder");
        }
        Path current = model.resolve(ModelBundle.PREVIEW_FOLDER);
        if (Files.exists(current, LinkOption.NOFOLLOW_LINKS) && !replace) {
            throw new LibraryException("'" + actualName + "' already has a preview decoder (" + ModelBundle.PREVIEW_FOLDER + "/); replace it explicitly");
        }
        StagingArea check = newStaging("check");
        try {
            Path view = check.folder().resolve(actualName);
            linkTree(model, view, ModelBundle.PREVIEW_FOLDER);
            linkTree(staged, view.resolve(ModelBundle.PREVIEW_FOLDER), null);
            try (ModelBundle bundle = ModelBundle.open(view, ExecutionOptions.cpu())) {
                DiffusionModels.LatentDecoder decoder = bundle.previewDecoder().orElseThrow(
                        () -> new ModelException(actualName + "/" + ModelBundle.PREVIEW_FOLDER + "/model.onnx not found"));
                decoder.decode(Tensor.zeros(1, bundle.info().latentChannels(), 8, 8));
            }
        } finally {
            check.closeAndDelete();
        }
        StagingArea trash = null;
        if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
            trash = newStaging("replaced");
            moveAtomically(current, trash.folder().resolve(ModelBundle.PREVIEW_FOLDER));
        }
        moveAtomically(staged, current);
        if (trash != null) trash.closeAndDelete();
        return list().stream().filter(e -> e.name().equals(actualName)).findFirst()
                .orElseThrow(() -> new IllegalStateException(actualName + " vanished from the library"));
    }

    /** Mirrors {@code from} into {@code to} with hard links (same file system), leaving out the top-level folder {@code except}. */
    private static void linkTree(Path from, Path to, String except) throws IOException {
        for (Path relative : FileTrees.files(from)) {
            if (except != null && relative.getNameCount() > 1 && relative.getName(0).toString().equals(except)) continue;
            Path target = to.resolve(relative.toString());
            Files.createDirectories(target.getParent());
            try {
                Files.createLink(target, from.resolve(relative));
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(from.resolve(relative), target); // A file system without hard links: copy instead.
            }
        }
    }

    /**
     * Removes the library model {@code name}: a copied model's files are deleted, a linked model's
     * link only. The embedded model cannot be removed.
     */
    public synchronized void remove(String name) throws IOException {
        if (name.equalsIgnoreCase(EMBEDDED_NAME)) {
            throw new LibraryException("the embedded model '" + EMBEDDED_NAME + "' is part of the application and cannot be removed");
        }
        Path target = existing(name).orElseThrow(() -> new LibraryException("no model named '" + name + "' in the library " + root));
        String actualName = target.getFileName().toString();
        if (Files.isSymbolicLink(target)) {
            Files.delete(target);
        } else {
            // Out of the list first, atomically; then the slow delete, which a crash may leave half done in staging.
            StagingArea trash = newStaging("removed");
            try {
                moveAtomically(target, trash.folder().resolve(actualName));
            } finally {
                trash.closeAndDelete();
            }
        }
        summaries.forget(actualName);
    }

    /** A new, empty folder in the library's staging area, on the library's file system, owned by this process until closed. */
    public StagingArea newStaging(String purpose) throws IOException {
        byte[] random = new byte[6];
        RANDOM.nextBytes(random);
        Path dir = root.resolve(STAGING).resolve(purpose + "-" + HexFormat.of().formatHex(random));
        return StagingArea.claim(dir, "work in " + dir.getFileName());
    }

    /**
     * A staging folder with a fixed name, kept across runs (downloads resume from what it holds), owned
     * by this process until closed.
     *
     * @param what how the error names the work when another process has the folder, e.g. "a download of owner/name"
     */
    public StagingArea claimStaging(String key, String what) throws IOException {
        if (!isStagingKey(key)) throw new IllegalArgumentException("bad staging key " + key);
        return StagingArea.claim(root.resolve(STAGING).resolve(key), what);
    }

    private static boolean isStagingKey(String key) {
        return key.matches("[A-Za-z0-9._-]+") && !key.startsWith(".");
    }

    /**
     * Deletes what crashed or killed runs left in the staging area: every folder no running process
     * owns (see {@link StagingArea}), except the downloads kept to be resumed, which go only once
     * untouched for {@link #KEEP_DOWNLOADS}. Called when the library is opened; never fails, since a
     * folder it cannot delete now is tried again next time.
     *
     * @return the folders deleted
     */
    public int cleanStaleStaging() {
        Path staging = root.resolve(STAGING);
        if (!Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS)) return 0;
        int deleted = 0;
        try (DirectoryStream<Path> children = Files.newDirectoryStream(staging)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                boolean resumable = name.startsWith(ModelDownloader.RESUMABLE_PREFIX) || name.startsWith(ModelDownloader.RESUMABLE_PREVIEW_PREFIX);
                try {
                    if (StagingArea.deleteIfAbandoned(child, resumable ? KEEP_DOWNLOADS : Duration.ZERO)) deleted++;
                } catch (IOException e) {
                    // Busy or not ours to delete now: the next opening tries again.
                }
            }
        } catch (IOException e) {
            // The same: cleaning is housekeeping, never a reason to fail.
        }
        return deleted;
    }

    /** Fails when {@code name} cannot name a model: one line saying what is allowed. */
    public static String checkName(String name) throws LibraryException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new LibraryException("'" + name + "' cannot name a model: use 1 to 100 letters, digits, spaces and . _ - +,"
                    + " starting with a letter or digit and not ending with a dot or space");
        }
        if (name.equalsIgnoreCase(EMBEDDED_NAME)) {
            throw new LibraryException("'" + name + "' is the embedded model's name; choose another");
        }
        if (name.equalsIgnoreCase(LORAS)) {
            throw new LibraryException("'" + name + "' is the library's folder for LoRA files; choose another name");
        }
        if (name.equalsIgnoreCase(CONTROLNETS)) {
            throw new LibraryException("'" + name + "' is the library's folder for ControlNets; choose another name");
        }
        return name;
    }

    /** A name derived from anything (a repository id, a folder): what {@link #checkName} accepts. */
    public static String suggestName(String anything) {
        String s = anything.replaceAll("[^A-Za-z0-9._+ -]+", "-").replaceAll("^[^A-Za-z0-9]+|[. ]+$", "");
        if (s.length() > 100) s = s.substring(0, 100).replaceAll("[. ]+$", "");
        if (s.isEmpty()) s = "model";
        if (s.equalsIgnoreCase(EMBEDDED_NAME) || s.equalsIgnoreCase(LORAS) || s.equalsIgnoreCase(CONTROLNETS)) s = s + "-1";
        return s;
    }

    /** Whether the library has a model of this name (case-insensitive). */
    public boolean contains(String name) throws IOException {
        return existing(name).isPresent();
    }

    private Optional<Path> existing(String name) throws IOException {
        if (!Files.isDirectory(root)) return Optional.empty();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root)) {
            for (Path child : children) {
                String n = child.getFileName().toString();
                if (!n.startsWith(".") && !RESERVED.contains(n) && n.equalsIgnoreCase(name)) return Optional.of(child);
            }
        }
        return Optional.empty();
    }

    private Path requireFree(String name) throws IOException {
        Optional<Path> taken = existing(name);
        if (taken.isPresent()) {
            throw new LibraryException("the library already has a model named '" + taken.get().getFileName()
                    + "'; remove it first or choose another name");
        }
        return root.resolve(name);
    }

    private static ModelInfo validate(Path folder) throws ModelException {
        try (ModelBundle bundle = ModelBundle.open(folder, ExecutionOptions.cpu())) {
            return bundle.info();
        }
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) throw new FileAlreadyExistsException(to.toString());
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new LibraryException("cannot move " + from + " to " + to + " in one step: "
                    + "the library's staging folder must be on the library's own disk", e);
        }
    }

    @Override
    public String toString() {
        return "ModelLibrary[" + root + "]";
    }
}
