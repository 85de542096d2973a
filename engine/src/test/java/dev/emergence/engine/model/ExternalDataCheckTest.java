package dev.emergence.engine.model;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import static dev.emergence.engine.model.HostileOnnx.bytesField;
import static dev.emergence.engine.model.HostileOnnx.concat;
import static dev.emergence.engine.model.HostileOnnx.varint;
import static dev.emergence.engine.model.HostileOnnx.varintField;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Graphs whose external data would be read from outside their model folder are refused before ONNX
 * Runtime opens anything; each test writes its hostile graph (see {@link HostileOnnx}) and what it
 * points at into a temporary folder: {@code temp/model/unet/model.onnx} beside {@code temp/outside.bin}.
 */
class ExternalDataCheckTest {
    private static final String LABEL = "model/unet/model.onnx";

    @TempDir
    Path temp;

    Path folder;
    Path graph;
    Path outside;

    @BeforeEach
    void layout() throws IOException {
        folder = Files.createDirectories(temp.resolve("model"));
        Files.createDirectories(folder.resolve("unet"));
        graph = folder.resolve("unet/model.onnx");
        outside = Files.write(temp.resolve("outside.bin"), new byte[] {1, 2, 3, 4});
    }

    private String refused(byte[] model) throws IOException {
        Files.write(graph, model);
        return refused();
    }

    private String refused() {
        ModelException e = assertThrows(ModelException.class, () -> OnnxModel.open(graph, LABEL, TestModels.CPU, folder).close());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void anAbsoluteLocationIsRefused() throws Exception {
        assertEquals(LABEL + ": external data '/etc/passwd' leaves the model folder (an absolute path); expected a file inside it",
                refused(HostileOnnx.withExternal("/etc/passwd")));
        // Also when the absolute path is a file that exists, and even when it lies inside the folder: ONNX Runtime reads it as given.
        assertTrue(refused(HostileOnnx.withExternal(outside.toString())).contains("(an absolute path)"));
        Files.write(folder.resolve("unet/w.bin"), new byte[4]);
        assertTrue(refused(HostileOnnx.withExternal(folder.resolve("unet/w.bin").toString())).contains("(an absolute path)"));
    }

    @Test
    void aLocationClimbingOutIsRefused() throws Exception {
        assertEquals(LABEL + ": external data '../../outside.bin' leaves the model folder (it leads to " + outside.toRealPath()
                + "); expected a file inside it", refused(HostileOnnx.withExternal("../../outside.bin")));
        assertEquals(LABEL + ": external data '../../../../../../../../proc/self/environ' leaves the model folder (it leads to /proc/"
                        + ProcessHandle.current().pid() + "/environ); expected a file inside it",
                refused(HostileOnnx.withExternal("../../../../../../../../proc/self/environ")));
        // Missing as well as outside: the name alone is the fault.
        assertEquals(LABEL + ": external data '../../nothing.bin' leaves the model folder; expected a file inside it",
                refused(HostileOnnx.withExternal("../../nothing.bin")));
    }

    @Test
    void aLinkLeadingOutIsRefused() throws Exception {
        Files.createSymbolicLink(folder.resolve("unet/weights.pb"), outside);
        assertEquals(LABEL + ": external data 'weights.pb' leaves the model folder (it leads to " + outside.toRealPath()
                + "); expected a file inside it", refused(HostileOnnx.withExternal("weights.pb")));
        // A link to a folder outside, with the file reached through it.
        Files.createSymbolicLink(folder.resolve("unet/shared"), temp);
        assertTrue(refused(HostileOnnx.withExternal("shared/outside.bin")).contains("leaves the model folder (it leads to "));
    }

    @Test
    void aLinkLoopIsRefused() throws Exception {
        Files.createSymbolicLink(folder.resolve("unet/loop.pb"), folder.resolve("unet/loop.pb"));
        String message = refused(HostileOnnx.withExternal("loop.pb"));
        assertTrue(message.startsWith(LABEL + ": external data 'loop.pb' cannot be resolved ("), message);
    }

    @Test
    void aFolderOrAPipeIsNoDataFile() throws Exception {
        Files.createDirectories(folder.resolve("unet/dir"));
        assertEquals(LABEL + ": external data 'dir' is not a regular file (a folder); expected a file inside it",
                refused(HostileOnnx.withExternal("dir")));

        Path fifo = folder.resolve("unet/fifo.pb");
        Assumptions.assumeTrue(mkfifo(fifo), "mkfifo is not available here to make a named pipe");
        assertEquals(LABEL + ": external data 'fifo.pb' is not a regular file (a pipe, device or socket); expected a file inside it",
                refused(HostileOnnx.withExternal("fifo.pb")));
        assertTrue(refused(HostileOnnx.withExternal("/dev/zero")).contains("leaves the model folder"));
    }

    @Test
    void locationsInSubgraphsFunctionsAndSparseTensorsAreFound() throws Exception {
        byte[] bad = HostileOnnx.externalTensor("hidden", "../../outside.bin");
        // An If node's then_branch holding the initializer.
        byte[] ifGraph = HostileOnnx.model(HostileOnnx.graph(new byte[][] {HostileOnnx.ifNode(HostileOnnx.graph(new byte[0][], bad))}));
        assertTrue(refused(ifGraph).contains("'../../outside.bin' leaves the model folder"));
        // Two levels deep: a Loop-like body inside an If body.
        byte[] inner = HostileOnnx.graph(new byte[][] {HostileOnnx.ifNode(HostileOnnx.graph(new byte[0][], bad))});
        assertTrue(refused(HostileOnnx.model(HostileOnnx.graph(new byte[][] {HostileOnnx.ifNode(inner)}))).contains("leaves the model folder"));
        // A Constant's tensor attribute.
        assertTrue(refused(HostileOnnx.model(HostileOnnx.graph(new byte[][] {HostileOnnx.constantNode(bad)}))).contains("leaves the model folder"));
        // A node of a model-local function.
        byte[] function = HostileOnnx.function(HostileOnnx.constantNode(bad));
        assertTrue(refused(HostileOnnx.model(HostileOnnx.graph(new byte[0][]), function)).contains("leaves the model folder"));
        // The values of a sparse initializer.
        assertTrue(refused(HostileOnnx.model(HostileOnnx.graphWithSparse(bad))).contains("leaves the model folder"));
    }

    @Test
    void aTensorMarkedExternalWithoutALocationIsRefused() throws Exception {
        byte[] tensor = concat(varintField(1, 1), varintField(2, 1), bytesField(8, "w".getBytes()), varintField(14, 1));
        assertEquals(LABEL + ": tensor 'w' keeps its data externally but names no file",
                refused(HostileOnnx.model(HostileOnnx.graph(new byte[0][], tensor))));
    }

    @Test
    void theGraphFileItselfMustNotLeadOut() throws Exception {
        Path elsewhere = Files.write(temp.resolve("elsewhere.onnx"), HostileOnnx.model(HostileOnnx.graph(new byte[0][], HostileOnnx.inlineTensor("w"))));
        Files.createSymbolicLink(graph, elsewhere);
        assertEquals(LABEL + " leaves the model folder (it leads to " + elsewhere.toRealPath() + "); expected a file inside it", refused());
    }

    @Test
    void aMalformedGraphIsOneLineNamingTheFile() throws Exception {
        byte[] good = HostileOnnx.withExternal("weights.pb");
        String cut = refused(java.util.Arrays.copyOf(good, good.length - 3));
        assertTrue(cut.startsWith(LABEL + ": not a valid ONNX model ("), cut);
        // A length that runs past the end of the file.
        String overlong = refused(concat(varint(7L << 3 | 2), varint(1L << 40), new byte[10]));
        assertTrue(overlong.startsWith(LABEL + ": not a valid ONNX model (a field at byte 1 claims 1099511627776 bytes"), overlong);
        // Subgraphs nested past any real model: refused, not a stack overflow.
        byte[] g = HostileOnnx.graph(new byte[0][]);
        for (int i = 0; i < 200; i++) g = HostileOnnx.graph(new byte[][] {HostileOnnx.ifNode(g)});
        assertTrue(refused(HostileOnnx.model(g)).contains("nested more than 100 deep"));
    }

    /**
     * A graph above 2 GiB with its weights inline (a sparse file: the 2.5 GB of raw_data take no disk) is
     * walked by seeking over the weights: the location after them is still found, quickly and in little memory.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aGraphAbove2GiBIsWalkedWithoutReadingItsWeights() throws Exception {
        long huge = 2_500_000_000L;
        byte[] bigTensorHead = concat(varintField(1, huge / 4), varintField(2, 1), bytesField(8, "big".getBytes()),
                varint(9L << 3 | 2), varint(huge));
        byte[] bad = bytesField(5, HostileOnnx.externalTensor("late", "../../outside.bin"));
        long bigTensorLength = bigTensorHead.length + huge;
        long graphLength = varint(5L << 3 | 2).length + varint(bigTensorLength).length + bigTensorLength + bad.length;
        byte[] head = concat(varintField(1, 8), varint(7L << 3 | 2), varint(graphLength), varint(5L << 3 | 2), varint(bigTensorLength), bigTensorHead);
        try (FileChannel ch = FileChannel.open(graph, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            ch.write(ByteBuffer.wrap(head), 0);
            ch.write(ByteBuffer.wrap(bad), head.length + huge);
        }
        assertTrue(Files.size(graph) > (2L << 30));
        assertTrue(refused().contains("external data '../../outside.bin' leaves the model folder"), refused());
    }

    @Test
    void externalDataInsideTheFolderLoads() throws Exception {
        Path copy = TestModels.copyBundle("tiny-sd", temp.resolve("copies"));
        Path unet = copy.resolve("unet/model.onnx");
        // The fixture's UNet keeps its weights in unet/weights.pb, as diffusers exports do.
        assertFalse(OnnxExternalData.read(unet).isEmpty());
        try (OnnxModel m = OnnxModel.open(unet, "tiny-sd/unet/model.onnx", TestModels.CPU, copy)) {
            assertFalse(m.inputs().isEmpty());
        }
        // A link inside the folder to a file inside it is fine.
        Files.move(copy.resolve("unet/weights.pb"), copy.resolve("unet/real-weights.pb"));
        Files.createSymbolicLink(copy.resolve("unet/weights.pb"), Path.of("real-weights.pb"));
        try (ModelBundle bundle = ModelBundle.open(copy, TestModels.CPU)) {
            assertEquals(4, bundle.info().latentChannels());
        }
    }

    @Test
    void everyFixtureGraphPassesTheCheck() throws Exception {
        try (var walk = Files.walk(TestModels.ROOT)) {
            for (Path p : (Iterable<Path>) walk.filter(f -> f.toString().endsWith(".onnx"))::iterator) {
                ExternalDataCheck.requireInside(p, p.getParent(), p.toString());
            }
        }
    }

    @Test
    void aBundleWithAHostileGraphIsRefusedBeforeAnySession() throws Exception {
        Path copy = TestModels.copyBundle("tiny-sd", temp.resolve("copies"));
        Files.write(copy.resolve("unet/model.onnx"), HostileOnnx.withExternal("/etc/passwd"));
        ModelException e = assertThrows(ModelException.class, () -> ModelBundle.open(copy, TestModels.CPU).close());
        assertEquals("tiny-sd/unet/model.onnx: external data '/etc/passwd' leaves the model folder (an absolute path); expected a file inside it",
                e.getMessage());
    }

    @Test
    void anyFileOfTheBundleThatLeadsOutIsRefused() throws Exception {
        Path copy = TestModels.copyBundle("tiny-sd", temp.resolve("copies"));
        Path vocab = copy.resolve("tokenizer/vocab.json");
        Path moved = Files.move(vocab, temp.resolve("vocab.json"));
        Files.createSymbolicLink(vocab, moved);
        ModelException e = assertThrows(ModelException.class, () -> ModelBundle.open(copy, TestModels.CPU).close());
        assertEquals("tiny-sd/tokenizer/vocab.json leaves the model folder (it leads to " + moved.toRealPath() + "); expected a file inside it",
                e.getMessage());

        Files.delete(vocab);
        Files.move(moved, vocab);
        Files.createSymbolicLink(copy.resolve("unet/again"), copy.resolve("unet"));
        e = assertThrows(ModelException.class, () -> ModelBundle.open(copy, TestModels.CPU).close());
        assertEquals("tiny-sd/unet/again is a link to a folder that contains it (a loop); expected a file inside the model folder", e.getMessage());

        Files.delete(copy.resolve("unet/again"));
        Assumptions.assumeTrue(mkfifo(copy.resolve("scheduler/pipe")), "mkfifo is not available here to make a named pipe");
        e = assertThrows(ModelException.class, () -> ModelBundle.open(copy, TestModels.CPU).close());
        assertEquals("tiny-sd/scheduler/pipe is not a regular file (a pipe, device or socket); expected only files and folders in a model folder",
                e.getMessage());
    }

    /** Makes a named pipe with the system's mkfifo; false where there is none. */
    static boolean mkfifo(Path where) throws InterruptedException {
        try {
            Process p = new ProcessBuilder("mkfifo", where.toString()).redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.exists(where);
        } catch (IOException e) {
            return false;
        }
    }
}
