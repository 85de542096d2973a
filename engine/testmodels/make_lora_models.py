#!/usr/bin/env python3
"""Writes tiny-lora/: a tiny SD 1.x bundle whose graphs are named as real exports name them, two LoRA
files in its loras/ folder (kohya's key convention and diffusers/peft's), and the reference outputs of
the merged models that the engine's merge-at-load must reproduce (LoraReferenceTest).

The UNet is diffusers' own UNet2DConditionModel (tiny SD 1.x configuration, seeded random weights) from
a diffusers checkout given on the command line (run, not copied; make_family_models.load_diffusers
supplies the stand-ins for its optional packages). It is exported as the module itself, so that
torch.onnx.export names its nodes by module path (`/down_blocks.0/attentions.0/transformer_blocks.0/
attn1/to_q/MatMul`) and stores MatMul weights transposed under `onnx::MatMul_N`, as real exports do; its
weights are written as external data (model.onnx_data), as optimum writes a real UNet's.

The text encoder is ClipTextModel below: CLIP's text transformer with exactly the module paths of
transformers' CLIPTextModel (text_model.embeddings.token_embedding, text_model.encoder.layers.N.
self_attn.q_proj, ..., text_model.final_layer_norm; transformers itself is not installable here), so
that kohya keys (lora_te_text_model_encoder_layers_0_self_attn_q_proj) and peft keys
(text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight) name its nodes.

The LoRA files are written in the safetensors format by hand (8-byte little-endian header length, the
JSON header, then the raw little-endian bytes; the safetensors package is not installed):
  loras/kohya-style.safetensors  float16 (alphas float32): UNet attention, a 1x1 proj_in conv, a
      feed-forward Linear, a LoCon 3x3 resnet conv, two text encoder layers, and one key that names
      no layer of the model
  loras/peft-style.safetensors   float32 (one pair bfloat16), no alphas: UNet attention (one key in the
      `lora.down`/`lora.up` variant diffusers writes), the time embedding (a Gemm), text encoder layers,
      and one key that names no layer

The merged weights W' = W + weight * (alpha / rank) * up @ down (alpha = rank when absent) are made
in torch from the very values stored in the files (after their rounding to float16/bfloat16), and
the merged modules are run on fixed inputs. lora-graphs/ (write_graph_cases) adds two one-node graphs
for a float16 weight and a weight two nodes share. The outputs go to
engine/src/test/resources/reference/lora/reference.json, with each file's AUTOMATIC1111 Lora hash.

Usage:
    /usr/bin/python3 make_lora_models.py --diffusers-src DIR [--out DIR] [--refs FILE]
"""

import argparse
import copy
import hashlib
import io
import json
import os
import shutil
import struct
import sys

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_family_models as mfm  # noqa: E402  (diffusers loading, tokenizer, VAE, exports)
import make_test_models as mtm  # noqa: E402

LATENT = 16
TEXT_LENGTH = 77
TEXT = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}
SEED_TEXT = 4101
SEED_UNET = 4102
SEED_LORA = 4103
SEED_INPUTS = 4104

UNET_CONFIG = {
    # SD 1.5's UNet shrunk: cross-attention first, proj_in/proj_out as 1x1 convolutions (no linear projection).
    "sample_size": LATENT,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
    "block_out_channels": [16, 32],
    "layers_per_block": 1,
    "norm_num_groups": 8,
    "cross_attention_dim": TEXT["hidden_size"],
    "attention_head_dim": 2,
}

SCHEDULER = mtm.PNDM_SD15  # SD 1.5's scheduler_config.json


# ---------------------------------------------------------------------------------------------
# CLIPTextModel's module tree
# ---------------------------------------------------------------------------------------------

class ClipAttention(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (torch.nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mask):
        b, s, d = x.shape
        hd = d // self.heads

        def split(t):
            return t.reshape(b, s, self.heads, hd).transpose(1, 2)

        q = split(self.q_proj(x) * hd ** -0.5)
        k, v = split(self.k_proj(x)), split(self.v_proj(x))
        weights = torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1)
        return self.out_proj((weights @ v).transpose(1, 2).reshape(b, s, d))


class ClipMlp(torch.nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(d, inner), torch.nn.Linear(inner, d)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(1.702 * h))  # quick_gelu, SD 1.x's CLIP


class ClipLayer(torch.nn.Module):
    def __init__(self, d, heads, inner):
        super().__init__()
        self.self_attn = ClipAttention(d, heads)
        self.layer_norm1 = torch.nn.LayerNorm(d)
        self.mlp = ClipMlp(d, inner)
        self.layer_norm2 = torch.nn.LayerNorm(d)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class ClipEmbeddings(torch.nn.Module):
    def __init__(self, vocab, d):
        super().__init__()
        self.token_embedding = torch.nn.Embedding(vocab, d)
        self.position_embedding = torch.nn.Embedding(TEXT_LENGTH, d)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1])[None, :]
        return self.token_embedding(ids.long()) + self.position_embedding(positions)


class ClipEncoder(torch.nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = torch.nn.ModuleList(
            ClipLayer(dims["hidden_size"], dims["num_attention_heads"], dims["intermediate_size"])
            for _ in range(dims["num_hidden_layers"]))

    def forward(self, x, mask):
        for layer in self.layers:
            x = layer(x, mask)
        return x


class ClipTextTransformer(torch.nn.Module):
    def __init__(self, vocab, dims):
        super().__init__()
        self.embeddings = ClipEmbeddings(vocab, dims["hidden_size"])
        self.encoder = ClipEncoder(dims)
        self.final_layer_norm = torch.nn.LayerNorm(dims["hidden_size"])

    def forward(self, ids):
        s = ids.shape[1]
        mask = torch.full((s, s), torch.finfo(torch.float32).min).triu(1)  # CLIP's causal mask
        last = self.final_layer_norm(self.encoder(self.embeddings(ids), mask))
        pooled = last[torch.arange(last.shape[0]), ids.to(torch.int).argmax(dim=-1)]  # at the end-of-text token
        return last, pooled


class ClipTextModel(torch.nn.Module):
    """transformers' CLIPTextModel: the module paths of its state dict, (last_hidden_state, pooler_output)."""

    def __init__(self, vocab, dims):
        super().__init__()
        self.text_model = ClipTextTransformer(vocab, dims)

    def forward(self, input_ids):
        return self.text_model(input_ids)


def build_text_encoder(vocab):
    torch.manual_seed(SEED_TEXT)
    model = ClipTextModel(vocab, TEXT).eval()
    with torch.no_grad():  # LayerNorms off their defaults, so a wrong merge shows everywhere
        for module in model.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.add_(torch.randn(module.weight.shape) * 0.1)
                module.bias.add_(torch.randn(module.bias.shape) * 0.1)
    return model


def build_unet(diffusers):
    torch.manual_seed(SEED_UNET)
    return diffusers.UNet2DConditionModel(**UNET_CONFIG).eval()


# ---------------------------------------------------------------------------------------------
# LoRA files
# ---------------------------------------------------------------------------------------------

DTYPES = {torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32"}


def write_safetensors(path, tensors, metadata=None):
    """The safetensors format: u64 LE header length, JSON header {name: {dtype, shape, data_offsets}}, data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.contiguous()
        raw = (t.view(torch.int16) if t.dtype in (torch.float16, torch.bfloat16) else t).numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # padded as safetensors pads it
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


class Layer:
    """One LoRA layer: the module it targets, down [r, in(, kh, kw)], up [out, r(, 1, 1)], alpha or None."""

    def __init__(self, module, down, up, alpha):
        self.module, self.down, self.up, self.alpha = module, down, up, alpha

    def delta(self):
        rank = self.down.shape[0]
        scale = (self.alpha if self.alpha is not None else rank) / rank
        d = self.down.float().reshape(rank, -1)
        u = self.up.float().reshape(self.up.shape[0], rank)
        return scale * (u @ d)


def random_layer(gen, module, rank, dtype, alpha, conv=False):
    weight = module.weight
    out_f, in_f = weight.shape[0], weight.shape[1]
    kernel = tuple(weight.shape[2:]) if weight.dim() == 4 else ()
    # LoRA factors large enough that the merge changes the outputs well beyond the tolerance
    down = (torch.randn((rank, in_f) + kernel, generator=gen) * 0.5).to(dtype)
    up = (torch.randn((out_f, rank) + ((1, 1) if kernel else ()), generator=gen) * 0.5).to(dtype)
    return Layer(module, down, up, alpha)


def kohya_lora(gen, unet, text):
    """kohya's keys: lora_unet_/lora_te_ + the module path with '_' for '.', .lora_down/.lora_up/.alpha."""
    f16 = torch.float16
    targets = [
        ("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q",
         unet.down_blocks[0].attentions[0].transformer_blocks[0].attn1.to_q, 4, 2.0),
        ("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k",
         unet.down_blocks[0].attentions[0].transformer_blocks[0].attn2.to_k, 4, None),
        ("lora_unet_down_blocks_0_attentions_0_proj_in", unet.down_blocks[0].attentions[0].proj_in, 4, 4.0),
        ("lora_unet_up_blocks_1_attentions_0_transformer_blocks_0_ff_net_2",
         unet.up_blocks[1].attentions[0].transformer_blocks[0].ff.net[2], 4, 8.0),
        ("lora_unet_mid_block_attentions_0_transformer_blocks_0_attn1_to_out_0",
         unet.mid_block.attentions[0].transformer_blocks[0].attn1.to_out[0], 4, 2.0),
        ("lora_unet_down_blocks_0_resnets_0_conv1", unet.down_blocks[0].resnets[0].conv1, 2, 1.0),  # LoCon
        ("lora_te_text_model_encoder_layers_0_self_attn_q_proj", text.text_model.encoder.layers[0].self_attn.q_proj, 4, 2.0),
        ("lora_te_text_model_encoder_layers_1_mlp_fc1", text.text_model.encoder.layers[1].mlp.fc1, 4, None),
    ]
    layers, tensors = [], {}
    for key, module, rank, alpha in targets:
        layer = random_layer(gen, module, rank, f16, alpha)
        layers.append(layer)
        tensors[key + ".lora_down.weight"] = layer.down
        tensors[key + ".lora_up.weight"] = layer.up
        if alpha is not None:
            tensors[key + ".alpha"] = torch.tensor(alpha, dtype=torch.float32)
    # names no layer of this UNet (it has two down blocks): reported as matching nothing
    stray = random_layer(gen, unet.down_blocks[0].attentions[0].transformer_blocks[0].attn1.to_v, 4, f16, None)
    tensors["lora_unet_down_blocks_7_attentions_0_transformer_blocks_0_attn1_to_v.lora_down.weight"] = stray.down
    tensors["lora_unet_down_blocks_7_attentions_0_transformer_blocks_0_attn1_to_v.lora_up.weight"] = stray.up
    return layers, tensors


def peft_lora(gen, unet, text):
    """diffusers/peft keys: unet./text_encoder. + module path + .lora_A.weight/.lora_B.weight (no alpha)."""
    f32 = torch.float32
    targets = [
        ("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", "lora_A", "lora_B",
         unet.down_blocks[0].attentions[0].transformer_blocks[0].attn1.to_q, f32),
        ("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_v", "lora_A", "lora_B",
         unet.down_blocks[0].attentions[0].transformer_blocks[0].attn1.to_v, f32),
        ("unet.up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_q", "lora_A", "lora_B",
         unet.up_blocks[1].attentions[0].transformer_blocks[0].attn2.to_q, torch.bfloat16),
        ("unet.mid_block.attentions.0.transformer_blocks.0.attn1.to_k", "lora.down", "lora.up",
         unet.mid_block.attentions[0].transformer_blocks[0].attn1.to_k, f32),
        ("unet.time_embedding.linear_1", "lora_A", "lora_B", unet.time_embedding.linear_1, f32),  # a Gemm
        ("text_encoder.text_model.encoder.layers.0.self_attn.v_proj", "lora_A", "lora_B",
         text.text_model.encoder.layers[0].self_attn.v_proj, f32),
        ("text_encoder.text_model.encoder.layers.1.self_attn.out_proj", "lora_A", "lora_B",
         text.text_model.encoder.layers[1].self_attn.out_proj, f32),
    ]
    layers, tensors = [], {}
    for key, a, b, module, dtype in targets:
        layer = random_layer(gen, module, 4, dtype, None)
        layers.append(layer)
        tensors[f"{key}.{a}.weight"] = layer.down
        tensors[f"{key}.{b}.weight"] = layer.up
    stray = random_layer(gen, unet.down_blocks[0].attentions[0].transformer_blocks[0].attn1.to_v, 4, f32, None)
    tensors["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn9.to_q.lora_A.weight"] = stray.down
    tensors["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn9.to_q.lora_B.weight"] = stray.up
    return layers, tensors


def merged(model, applied):
    """A copy of `model` with W + weight * delta for every (layers, weight) in `applied`."""
    copy_ = copy.deepcopy(model)
    names = {id(m): n for n, m in model.named_modules()}
    targets = dict(copy_.named_modules())
    with torch.no_grad():
        for layers, weight in applied:
            for layer in layers:
                name = names.get(id(layer.module))
                if name is None:
                    continue  # a layer of the other model
                w = targets[name].weight
                w.add_((weight * layer.delta()).reshape(w.shape))
    return copy_


# ---------------------------------------------------------------------------------------------
# Export and bundle
# ---------------------------------------------------------------------------------------------

def export_text_encoder(model, ids):
    return mfm._export(model, (ids,), {"input_ids": {0: "batch_size", 1: "sequence_length"}},
                       {"last_hidden_state": {0: "batch_size", 1: "sequence_length"}, "pooler_output": {0: "batch_size"}},
                       mfm.OPSET)


def export_unet(unet, inputs):
    sample, timestep, ehs = inputs
    buffer = io.BytesIO()
    with torch.no_grad():
        # The module itself (its forward's keyword return_dict=False as the trailing dict), as optimum
        # exports it: node names are module paths without a wrapper's prefix.
        torch.onnx.export(unet, (sample, timestep, ehs, {"return_dict": False}), buffer,
                          input_names=["sample", "timestep", "encoder_hidden_states"], output_names=["out_sample"],
                          dynamic_axes={"sample": {0: "batch_size", 2: "height", 3: "width"},
                                        "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
                                        "out_sample": {0: "batch_size", 2: "height", 3: "width"}},
                          opset_version=mfm.OPSET, do_constant_folding=True)
    model = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(model, full_check=True)
    return model


def write_bundle(folder, diffusers, vocab, text, unet, vae, ids, inputs, loras):
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    mfm.write_json(os.path.join(folder, "model_index.json"), {
        "_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": diffusers.__version__,
        "requires_safety_checker": False, "scheduler": ["diffusers", "PNDMScheduler"],
        "text_encoder": ["diffusers", "OnnxRuntimeModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "OnnxRuntimeModel"], "vae_decoder": ["diffusers", "OnnxRuntimeModel"]})
    mfm.write_json(os.path.join(folder, "scheduler", "scheduler_config.json"), SCHEDULER)
    mfm.tokenizer(mfm.PAD_TOKEN_1).write(os.path.join(folder, "tokenizer"), mfm.PAD_TOKEN_1, "emergence/tiny-lora")
    os.makedirs(os.path.join(folder, "text_encoder"))
    with open(os.path.join(folder, "text_encoder", "model.onnx"), "wb") as f:
        f.write(export_text_encoder(text, ids))
    os.makedirs(os.path.join(folder, "unet"))
    unet.save_config(os.path.join(folder, "unet"))
    onnx.save_model(export_unet(unet, inputs), os.path.join(folder, "unet", "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="model.onnx_data", size_threshold=256)
    os.makedirs(os.path.join(folder, "vae_decoder"))
    vae.save_config(os.path.join(folder, "vae_decoder"))
    with open(os.path.join(folder, "vae_decoder", "model.onnx"), "wb") as f:
        f.write(mfm.export_vae_decoder(vae))
    os.makedirs(os.path.join(folder, "loras"))
    for name, tensors in loras.items():
        write_safetensors(os.path.join(folder, "loras", name + ".safetensors"), tensors,
                          {"ss_network_module": "networks.lora"} if name.startswith("kohya") else None)


def addnet_hash(path):
    """AUTOMATIC1111's Lora hash of a .safetensors file (modules/hashes.py addnet_hash_safetensors, the
    kohya-ss hash): sha256 of the bytes after the header; infotexts write its first 12 hex digits."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        f.seek(8 + n)
        return hashlib.sha256(f.read()).hexdigest()


def write_graph_cases(folder):
    """lora-graphs/: two one-purpose graphs made with onnx.helper, each with a LoRA, for what tiny-lora
    cannot show:
      fp16.onnx  a float16 MatMul named by module scope, its weight stored transposed ([in, out]);
                 fp16-lora.safetensors changes it. The expected merged weight, rounded back to float16 as
                 torch rounds it, goes to the references.
      shared.onnx  one initializer consumed by two MatMul nodes (/a/proj and /b/proj); shared-lora.safetensors
                 names /a/proj, which the engine must refuse, since merging would change /b/proj too."""
    from onnx import TensorProto, helper, numpy_helper
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    gen = torch.Generator().manual_seed(SEED_LORA + 1)
    out_f, in_f, rank, alpha, weight = 3, 4, 2, 1.0, 0.7

    w = (torch.randn(out_f, in_f, generator=gen) * 0.5).half()   # torch's [out, in]
    node = helper.make_node("MatMul", ["x", "onnx::MatMul_7"], ["y"], name="/text_model/encoder/layers.0/self_attn/q_proj/MatMul")
    graph = helper.make_graph([node], "fp16", [helper.make_tensor_value_info("x", TensorProto.FLOAT16, [1, in_f])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [1, out_f])],
                              [numpy_helper.from_array(w.t().contiguous().numpy(), "onnx::MatMul_7")])
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", mfm.OPSET)]), os.path.join(folder, "fp16.onnx"))
    down = (torch.randn(rank, in_f, generator=gen) * 0.5).half()
    up = (torch.randn(out_f, rank, generator=gen) * 0.5).half()
    key = "lora_te_text_model_encoder_layers_0_self_attn_q_proj"
    write_safetensors(os.path.join(folder, "fp16-lora.safetensors"), {
        key + ".lora_down.weight": down, key + ".lora_up.weight": up, key + ".alpha": torch.tensor(alpha)})
    merged = (w.float() + weight * (alpha / rank) * (up.float() @ down.float())).half()  # merged in float, stored as float16
    expected = [float(v) for v in merged.t().contiguous().float().reshape(-1).tolist()]  # as the graph stores it: [in, out]

    shared = numpy_helper.from_array(np.eye(in_f, dtype=np.float32), "onnx::MatMul_1")
    nodes = [helper.make_node("MatMul", ["x", "onnx::MatMul_1"], ["a"], name="/a/proj/MatMul"),
             helper.make_node("MatMul", ["a", "onnx::MatMul_1"], ["y"], name="/b/proj/MatMul")]
    graph = helper.make_graph(nodes, "shared", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, in_f])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, in_f])], [shared])
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", mfm.OPSET)]), os.path.join(folder, "shared.onnx"))
    write_safetensors(os.path.join(folder, "shared-lora.safetensors"), {
        "unet.a.proj.lora_A.weight": torch.ones(rank, in_f), "unet.a.proj.lora_B.weight": torch.ones(in_f, rank)})
    return {"fp16_weight": {"initializer": "onnx::MatMul_7", "lora_weight": weight, "merged": expected}}


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diffusers-src", required=True, help="the src folder of a diffusers checkout")
    parser.add_argument("--out", default=HERE, help="where tiny-lora/ goes (default: beside this script)")
    parser.add_argument("--refs", default=os.path.join(HERE, "..", "src", "test", "resources", "reference", "lora",
                                                       "reference.json"))
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    diffusers = mfm.load_diffusers(args.diffusers_src)
    tok = mfm.tokenizer(mfm.PAD_TOKEN_1)
    vocab = len(tok.vocab)
    text = build_text_encoder(vocab)
    unet = build_unet(diffusers)
    vae = mfm.build_vae(diffusers, mfm.SCALING_SD)

    gen = torch.Generator().manual_seed(SEED_LORA)
    kohya_layers, kohya_tensors = kohya_lora(gen, unet, text)
    peft_layers, peft_tensors = peft_lora(gen, unet, text)

    inputs_gen = torch.Generator().manual_seed(SEED_INPUTS)
    ids = torch.tensor([tok.encode("a red circle on a blue background")], dtype=torch.int32)
    sample = torch.randn(1, 4, LATENT, LATENT, generator=inputs_gen)
    timestep = torch.tensor(500.0)
    ehs = torch.randn(1, TEXT_LENGTH, TEXT["hidden_size"], generator=inputs_gen)

    write_bundle(os.path.join(args.out, "tiny-lora"), diffusers, vocab, text, unet, vae, ids, (sample, timestep, ehs),
                 {"kohya-style": kohya_tensors, "peft-style": peft_tensors})

    cases = {
        "base": [],
        "kohya-style@0.8": [(kohya_layers, 0.8)],
        "peft-style@1": [(peft_layers, 1.0)],
        "kohya-style@0.8+peft-style@-0.5": [(kohya_layers, 0.8), (peft_layers, -0.5)],
    }
    graph_refs = write_graph_cases(os.path.join(args.out, "lora-graphs"))
    refs = {
        "source": "make_lora_models.py: torch " + torch.__version__ + ", diffusers " + diffusers.__version__
                  + " UNet2DConditionModel, merged by W + weight * (alpha / rank) * up @ down",
        "inputs": {"input_ids": [int(i) for i in ids[0].tolist()], "sample": flat(sample), "sample_shape": list(sample.shape),
                   "timestep": float(timestep), "encoder_hidden_states": flat(ehs), "encoder_hidden_states_shape": list(ehs.shape)},
        "cases": {},
        "lora_hashes": {name: addnet_hash(os.path.join(args.out, "tiny-lora", "loras", name + ".safetensors"))[:12]
                        for name in ("kohya-style", "peft-style")},
        **graph_refs,
    }
    for name, applied in cases.items():
        last, pooled = merged(text, applied)(ids)
        out = merged(unet, applied)(sample, timestep, ehs, return_dict=False)[0]
        refs["cases"][name] = {"last_hidden_state": flat(last), "pooler_output": flat(pooled), "out_sample": flat(out)}
    os.makedirs(os.path.dirname(os.path.abspath(args.refs)), exist_ok=True)
    with open(args.refs, "w", encoding="utf-8") as f:
        json.dump(refs, f)
        f.write("\n")
    size = mfm.folder_size(os.path.join(args.out, "tiny-lora"))
    print(f"tiny-lora: {size / 1e6:.2f} MB")
    if size >= 3e6:
        raise SystemExit(f"tiny-lora is {size / 1e6:.2f} MB; the bundles must stay under 3 MB")


if __name__ == "__main__":
    main()
