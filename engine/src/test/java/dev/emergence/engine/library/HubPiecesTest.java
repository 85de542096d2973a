package dev.emergence.engine.library;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The download's building blocks against published values. */
class HubPiecesTest {
    @Test
    void digestsMatchPublishedValues() {
        // `printf 'hello\n' | git hash-object --stdin` prints ce013625030ba8dba906f756967f9e9ca394464a (the Git book's example).
        byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
        MessageDigest git = Checksums.start(new HubFile("a.txt", hello.length, "x", null));
        git.update(hello);
        assertEquals("ce013625030ba8dba906f756967f9e9ca394464a", Checksums.hex(git));
        // git's id of the empty blob, e69de29b..., known from every empty file in git.
        assertEquals("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", Checksums.hex(Checksums.start(new HubFile("e", 0, "x", null))));
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        MessageDigest lfs = Checksums.start(new HubFile("b.onnx", 3, "x", "0".repeat(64)));
        lfs.update("abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Checksums.hex(lfs));
    }

    @Test
    void theOnnxSubsetKeepsWhatTheEngineOpensAndNothingElse() {
        for (String p : List.of("model_index.json", "scheduler/scheduler_config.json", "tokenizer/vocab.json", "tokenizer/merges.txt",
                "tokenizer/tokenizer_config.json", "text_encoder/model.onnx", "unet/model.onnx", "unet/weights.pb",
                "unet/model.onnx_data", "unet/config.json", "vae_decoder/model.onnx", "vae_encoder/model.onnx", "vae_preview/model.onnx")) {
            assertTrue(OnnxSubset.wanted(p), p);
        }
        for (String p : List.of("README.md", ".gitattributes", "v1-5-pruned.ckpt", "safety_checker/model.onnx",
                "feature_extractor/preprocessor_config.json", "unet/diffusion_pytorch_model.safetensors", "unet/diffusion_pytorch_model.bin",
                "text_encoder/pytorch_model.bin", "vae/diffusion_pytorch_model.safetensors", "unet/.hidden", "images/sample.png",
                "onnx/unet/model.onnx")) {
            assertFalse(OnnxSubset.wanted(p), p);
        }
        List<HubFile> withTokenizerJson = List.of(f("model_index.json"), f("scheduler/scheduler_config.json"), f("text_encoder/model.onnx"),
                f("unet/model.onnx"), f("vae_decoder/model.onnx"), f("tokenizer/tokenizer.json"));
        assertEquals(List.of(), OnnxSubset.missing(withTokenizerJson));
        assertEquals(List.of("unet/model.onnx", "tokenizer/vocab.json and tokenizer/merges.txt (or tokenizer/tokenizer.json)"),
                OnnxSubset.missing(List.of(f("model_index.json"), f("scheduler/scheduler_config.json"), f("text_encoder/model.onnx"),
                        f("vae_decoder/model.onnx"), f("tokenizer/vocab.json"))));
    }

    @Test
    void anSdxlListingNeedsBothEncodersAndBothTokenizers() {
        // The folders optimum-cli export onnx writes for StableDiffusionXLPipeline.
        List<HubFile> sdxl = List.of(f("model_index.json"), f("scheduler/scheduler_config.json"), f("text_encoder/model.onnx"),
                f("text_encoder_2/model.onnx"), f("text_encoder_2/model.onnx_data"), f("tokenizer/vocab.json"), f("tokenizer/merges.txt"),
                f("tokenizer_2/vocab.json"), f("tokenizer_2/merges.txt"), f("unet/model.onnx"), f("unet/model.onnx_data"),
                f("vae_decoder/model.onnx"), f("vae_encoder/model.onnx"),
                f("text_encoder_2/model.safetensors"), f("vae/diffusion_pytorch_model.safetensors"));
        assertEquals(13, OnnxSubset.select(sdxl).size(), "every ONNX, tokenizer and config file, no PyTorch weights");
        assertEquals(List.of(), OnnxSubset.missing(OnnxSubset.select(sdxl)));
        List<HubFile> noSecondTokenizer = sdxl.stream().filter(x -> !x.path().startsWith("tokenizer_2/")).toList();
        assertEquals(List.of("tokenizer_2/vocab.json and tokenizer_2/merges.txt (or tokenizer_2/tokenizer.json)"),
                OnnxSubset.missing(OnnxSubset.select(noSecondTokenizer)));
        List<HubFile> noSecondEncoder = sdxl.stream().filter(x -> !x.path().equals("text_encoder_2/model.onnx")).toList();
        assertEquals(List.of("text_encoder_2/model.onnx"), OnnxSubset.missing(OnnxSubset.select(noSecondEncoder)));
    }

    /**
     * The published file listing of stabilityai/stable-diffusion-xl-base-1.0 (its tree on main,
     * last changed 2023-10-30): PyTorch, Flax, OpenVINO and ONNX weights side by side in the same
     * folders. The download keeps exactly the ONNX export, its configs and the tokenizers.
     */
    @Test
    void sdxlBasesPublishedListingKeepsOnlyItsOnnxExport() {
        List<String> onnx = List.of("model_index.json", "scheduler/scheduler_config.json",
                "text_encoder/config.json", "text_encoder/model.onnx",
                "text_encoder_2/config.json", "text_encoder_2/model.onnx", "text_encoder_2/model.onnx_data",
                "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json", "tokenizer/vocab.json",
                "tokenizer_2/merges.txt", "tokenizer_2/special_tokens_map.json", "tokenizer_2/tokenizer_config.json", "tokenizer_2/vocab.json",
                "unet/config.json", "unet/model.onnx", "unet/model.onnx_data",
                "vae_decoder/config.json", "vae_decoder/model.onnx", "vae_encoder/config.json", "vae_encoder/model.onnx");
        List<String> others = List.of(".gitattributes", "01.png", "LICENSE.md", "README.md", "comparison.png", "pipeline.png",
                "sd_xl_base_1.0.safetensors", "sd_xl_base_1.0_0.9vae.safetensors", "sd_xl_offset_example-lora_1.0.safetensors",
                "text_encoder/flax_model.msgpack", "text_encoder/model.fp16.safetensors", "text_encoder/model.safetensors",
                "text_encoder/openvino_model.bin", "text_encoder/openvino_model.xml",
                "text_encoder_2/flax_model.msgpack", "text_encoder_2/model.fp16.safetensors", "text_encoder_2/model.safetensors",
                "text_encoder_2/openvino_model.bin", "text_encoder_2/openvino_model.xml",
                "unet/diffusion_flax_model.msgpack", "unet/diffusion_pytorch_model.fp16.safetensors",
                "unet/diffusion_pytorch_model.safetensors", "unet/openvino_model.bin", "unet/openvino_model.xml",
                "vae/config.json", "vae/diffusion_flax_model.msgpack", "vae/diffusion_pytorch_model.fp16.safetensors",
                "vae/diffusion_pytorch_model.safetensors", "vae_1_0/config.json", "vae_1_0/diffusion_pytorch_model.fp16.safetensors",
                "vae_1_0/diffusion_pytorch_model.safetensors", "vae_decoder/openvino_model.bin", "vae_decoder/openvino_model.xml",
                "vae_encoder/openvino_model.bin", "vae_encoder/openvino_model.xml");
        List<HubFile> listing = new java.util.ArrayList<>();
        for (String p : others) listing.add(f(p));
        for (String p : onnx) listing.add(f(p));
        List<HubFile> kept = OnnxSubset.select(listing);
        assertEquals(new java.util.TreeSet<>(onnx), new java.util.TreeSet<>(kept.stream().map(HubFile::path).toList()));
        assertEquals(List.of(), OnnxSubset.missing(kept));
    }

    @Test
    void revisionsAndPathsAreEncodedAsOnePathSegmentEach() {
        // huggingface_hub quotes the revision with quote(revision, safe=""): "refs/pr/1" becomes "refs%2Fpr%2F1".
        assertEquals("refs%2Fpr%2F1", HubClient.segment("refs/pr/1"));
        assertEquals("main", HubClient.segment("main"));
        HubClient hub = new HubClient(java.net.URI.create("https://huggingface.co/"), null);
        assertEquals("https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F1/unet/model%20v2.onnx",
                hub.fileUrl("owner/repo", "refs/pr/1", "unet/model v2.onnx").toString());
    }

    @Test
    void progressLinesSayHowMuchHowFastAndHowLong() {
        DownloadProgress p = new DownloadProgress("unet/weights.pb", 5, 19, 10, 100, 1L << 30, 4L << 30, 25 * (1 << 20), 107);
        assertEquals(" 25% 1.00 GiB of 4.00 GiB, 25.0 MiB/s, 1m47s left (unet/weights.pb, file 5 of 19)", p.line());
        assertEquals(0.25, p.fraction());
        assertEquals("2h03m", DownloadProgress.duration(2 * 3600 + 3 * 60 + 5));
        assertEquals("512 B", Bytes.human(512));
        assertEquals("97.7 KiB", Bytes.human(100_000));
    }

    private static HubFile f(String path) {
        return new HubFile(path, 1, "0".repeat(40), null);
    }
}
