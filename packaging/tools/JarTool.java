import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Jar surgery for the installers, in plain Java so it runs wherever the JDK does (Linux, macOS, Windows):
 *
 * <pre>
 * java JarTool.java natives IN.jar OUT.jar PLATFORM [REQUIRED_ENTRY...]
 *     Copies IN.jar without the native libraries of other platforms and without debug symbols (.pdb).
 *     A native library (.so, .dll, .dylib, .jnilib, .a) is kept when a folder on its path names PLATFORM
 *     in one of the spellings libraries use (ONNX Runtime "linux-x64", DJL "linux-x86_64", JNA "linux-x86-64").
 *     Fails when a REQUIRED_ENTRY is not in the result (the platform's library is missing from IN.jar).
 * java JarTool.java split IN.jar OUT.jar PREFIX PLATFORM OUT_DIR [REQUIRED_FILE...]
 *     Copies IN.jar without anything under PREFIX (a library's native folder, e.g. ai/onnxruntime/native/) and
 *     puts PLATFORM's native libraries from there into OUT_DIR, for libraries that load their natives from a
 *     folder (ONNX Runtime's onnxruntime.native.path): nothing is extracted to a temporary folder at every
 *     start, and the installer's compressor sees the libraries themselves rather than a compressed jar.
 *     Fails when a REQUIRED_FILE is not among them.
 * java JarTool.java classpath MAIN.jar LIBDIR
 *     Rewrites MAIN.jar's manifest Class-Path to the jars now in LIBDIR (after jars were swapped or renamed).
 * java JarTool.java unmodular IN_DIR OUT_DIR
 *     Copies every jar without module-info.class, so jdeps can read them as plain class path jars
 *     (some libraries declare modules they do not ship, which stops jdeps).
 * </pre>
 */
public final class JarTool {
    /** The folder names libraries use for each platform's natives. */
    static final Map<String, Set<String>> SPELLINGS = Map.of(
            "linux-x64", Set.of("linux-x64", "linux-x86_64", "linux-x86-64", "linux-amd64"),
            "linux-aarch64", Set.of("linux-aarch64", "linux-arm64"),
            "win-x64", Set.of("win-x64", "win-x86_64", "win32-x86-64", "windows-x86_64", "windows-x64"),
            "osx-aarch64", Set.of("osx-aarch64", "osx-arm64", "darwin-aarch64", "macos-aarch64"),
            "osx-x64", Set.of("osx-x64", "osx-x86_64", "darwin-x86-64", "darwin-x86_64", "macos-x86_64"));

    public static void main(String[] args) throws IOException {
        if (args.length < 1) usage();
        switch (args[0]) {
            case "natives" -> {
                if (args.length < 4) usage();
                natives(Path.of(args[1]), Path.of(args[2]), args[3], List.of(args).subList(4, args.length));
            }
            case "split" -> {
                if (args.length < 6) usage();
                split(Path.of(args[1]), Path.of(args[2]), args[3], args[4], Path.of(args[5]), List.of(args).subList(6, args.length));
            }
            case "classpath" -> {
                if (args.length != 3) usage();
                classpath(Path.of(args[1]), Path.of(args[2]));
            }
            case "unmodular" -> {
                if (args.length != 3) usage();
                unmodular(Path.of(args[1]), Path.of(args[2]));
            }
            default -> usage();
        }
    }

    static void usage() {
        System.err.println("usage: java JarTool.java natives IN.jar OUT.jar PLATFORM [REQUIRED_ENTRY...]"
                + " | split IN.jar OUT.jar PREFIX PLATFORM OUT_DIR [REQUIRED_FILE...] | classpath MAIN.jar LIBDIR | unmodular IN_DIR OUT_DIR");
        System.exit(2);
    }

    static boolean isNative(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".so") || n.matches(".*\\.so\\.[0-9.]+") || n.endsWith(".dll") || n.endsWith(".dylib")
                || n.endsWith(".jnilib") || n.endsWith(".a") || n.endsWith(".pdb");
    }

    /** Debug symbols: Windows .pdb files and macOS .dSYM bundles, hundreds of MB of no use to users. */
    static boolean isDebugSymbols(String entry) {
        return entry.toLowerCase(Locale.ROOT).endsWith(".pdb") || entry.contains(".dSYM/");
    }

    static boolean keep(String entry, Set<String> platform) {
        if (isDebugSymbols(entry)) return false;
        if (entry.endsWith("/") || !isNative(entry)) return true;
        String[] parts = entry.split("/");
        for (int i = 0; i < parts.length - 1; i++) if (platform.contains(parts[i])) return true;
        return false;
    }

    static void natives(Path in, Path out, String platform, List<String> required) throws IOException {
        Set<String> spellings = SPELLINGS.get(platform);
        if (spellings == null) throw new IllegalArgumentException("unknown platform " + platform + "; known: " + SPELLINGS.keySet());
        long keptBytes = 0, droppedBytes = 0;
        List<String> keptNatives = new ArrayList<>();
        Set<String> written = new java.util.HashSet<>();
        try (ZipFile zip = new ZipFile(in.toFile()); ZipOutputStream zout = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                if (!keep(e.getName(), spellings)) {
                    droppedBytes += Math.max(0, e.getSize());
                    continue;
                }
                if (isNative(e.getName())) keptNatives.add(e.getName());
                keptBytes += Math.max(0, e.getSize());
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime());
                zout.putNextEntry(copy);
                try (InputStream data = zip.getInputStream(e)) {
                    data.transferTo(zout);
                }
                zout.closeEntry();
                written.add(e.getName());
            }
        }
        for (String r : required) {
            if (!written.contains(r)) {
                Files.deleteIfExists(out);
                throw new IllegalStateException(in.getFileName() + " has no " + r + " for " + platform);
            }
        }
        System.out.printf(Locale.ROOT, "%s: kept %d natives for %s (%.1f MB), dropped %.1f MB%n", in.getFileName(), keptNatives.size(),
                platform, keptBytes / 1e6, droppedBytes / 1e6);
    }

    static void split(Path in, Path out, String prefix, String platform, Path outDir, List<String> required) throws IOException {
        Set<String> spellings = SPELLINGS.get(platform);
        if (spellings == null) throw new IllegalArgumentException("unknown platform " + platform + "; known: " + SPELLINGS.keySet());
        Files.createDirectories(outDir);
        List<String> extracted = new ArrayList<>();
        long nativeBytes = 0;
        try (ZipFile zip = new ZipFile(in.toFile()); ZipOutputStream zout = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                String name = e.getName();
                if (name.startsWith(prefix)) {
                    // Only files directly in the platform's folder: PREFIX/linux-x64/libonnxruntime.so.
                    String[] rest = name.substring(prefix.length()).split("/");
                    if (rest.length == 2 && spellings.contains(rest[0]) && !name.endsWith("/") && !isDebugSymbols(name)) {
                        try (InputStream data = zip.getInputStream(e)) {
                            Files.copy(data, outDir.resolve(rest[1]), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                        extracted.add(rest[1]);
                        nativeBytes += e.getSize();
                    }
                    continue;
                }
                ZipEntry copy = new ZipEntry(name);
                copy.setTime(e.getTime());
                zout.putNextEntry(copy);
                try (InputStream data = zip.getInputStream(e)) {
                    data.transferTo(zout);
                }
                zout.closeEntry();
            }
        }
        for (String r : required) {
            if (!extracted.contains(r)) throw new IllegalStateException(in.getFileName() + " has no " + prefix + "<" + platform + ">/" + r);
        }
        System.out.printf(Locale.ROOT, "%s: %d natives for %s (%.1f MB) moved out to %s%n", in.getFileName(), extracted.size(), platform,
                nativeBytes / 1e6, outDir);
    }

    static void classpath(Path mainJar, Path libDir) throws IOException {
        List<String> jars = new ArrayList<>();
        try (Stream<Path> s = Files.list(libDir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted()
                    .forEach(p -> jars.add(libDir.getFileName() + "/" + p.getFileName()));
        }
        Path tmp = mainJar.resolveSibling(mainJar.getFileName() + ".tmp");
        try (JarFile jar = new JarFile(mainJar.toFile()); OutputStream raw = Files.newOutputStream(tmp);
             ZipOutputStream zout = new ZipOutputStream(raw)) {
            Manifest m = jar.getManifest() == null ? new Manifest() : new Manifest(jar.getManifest());
            m.getMainAttributes().putIfAbsent(Attributes.Name.MANIFEST_VERSION, "1.0");
            m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", jars));
            zout.putNextEntry(new ZipEntry(JarFile.MANIFEST_NAME));
            m.write(zout);
            zout.closeEntry();
            for (ZipEntry e : java.util.Collections.list(jar.entries())) {
                if (e.getName().equalsIgnoreCase(JarFile.MANIFEST_NAME)) continue;
                zout.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream data = jar.getInputStream(e)) {
                    data.transferTo(zout);
                }
                zout.closeEntry();
            }
        }
        Files.move(tmp, mainJar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println(mainJar.getFileName() + ": Class-Path of " + jars.size() + " jars");
    }

    static void unmodular(Path inDir, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        try (Stream<Path> s = Files.list(inDir)) {
            for (Path jar : (Iterable<Path>) s.filter(p -> p.toString().endsWith(".jar")).sorted()::iterator) {
                try (ZipFile zip = new ZipFile(jar.toFile());
                     ZipOutputStream zout = new ZipOutputStream(Files.newOutputStream(outDir.resolve(jar.getFileName())))) {
                    for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                        String n = e.getName();
                        // Classes only: natives and resources do not matter to jdeps, and copying them is slow.
                        if (n.endsWith("module-info.class") || (!n.endsWith(".class") && !n.equals(JarFile.MANIFEST_NAME))) continue;
                        zout.putNextEntry(new ZipEntry(n));
                        try (InputStream data = zip.getInputStream(e)) {
                            data.transferTo(zout);
                        }
                        zout.closeEntry();
                    }
                }
            }
        }
    }
}
