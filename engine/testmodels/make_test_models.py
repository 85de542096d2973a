#!/usr/bin/env python3
"""Writes the tiny random-weight Stable Diffusion bundles under engine/testmodels/.

Each bundle has the folder layout of a diffusers ONNX export (OnnxStableDiffusionPipeline):
model_index.json, scheduler/, tokenizer/, text_encoder/, unet/ (with external weights),
vae_decoder/, vae_encoder/, and for tiny-sd a TAESD-style preview decoder in vae_preview/.
The graphs are small but real (convolutions, a sinusoidal timestep embedding, cross-attention
over the text, x8 up- and down-sampling) and use the tensor names, dtypes and dynamic axes of
the real exports, so the engine's loading code sees what it will see with a real model.

Alongside, reference.json holds what torch computes (float64) for the same weights on fixed
inputs, plus the configuration each bundle was written with. The Java tests check the engine
against these values, which come from outside the engine.

Run with the Debian interpreter that has torch and onnx:  python3 make_test_models.py [OUT_DIR]
The output is deterministic: the same torch and onnx versions write byte-identical files.
"""

import json
import math
import os
import re
import shutil
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

SCALING_FACTOR = 0.18215
TEXT_LENGTH = 77
UNET_WIDTH = 32          # feature channels inside the tiny UNet
TIME_DIM = 32            # sinusoidal timestep embedding width
TEXT_VOCAB_ROWS = 48     # rows of the text encoder's embedding table (ids are taken mod this)
TEXT_HIDDEN = 16         # width of the text encoder's low-rank MLP
POS_RANK = 16            # rank of the factored position embedding
VAE_WIDTH = 16
PREVIEW_WIDTH = 8
REFERENCE_TIMESTEP = 901  # an integer, exact in float16 too

OPSET_TEXT = 17   # LayerNormalization needs 17
OPSET_OTHER = 14  # what diffusers' converter uses


# ---------------------------------------------------------------------------------------------
# Tokenizer: a byte-level BPE in CLIP's file format, trained here on our own word list.
# ---------------------------------------------------------------------------------------------

WORDS = """
a an the of on in with and or at by to from for is under over near behind
red green blue yellow white black orange purple pink brown gray grey gold silver
circle square triangle star line dot shape shapes stripe stripes pattern
background foreground sky sea ocean water tree trees forest house city street night day
sun moon cloud clouds mountain mountains river lake flower flowers garden field grass
cat dog bird horse fish person man woman girl boy face portrait eyes hair hand
photo photograph painting drawing sketch illustration render art artwork style
oil watercolor digital pencil ink canvas paper
big small large tiny bright dark light soft sharp simple detailed beautiful
high quality lighting cinematic colorful vivid pastel warm cold
""".split()

# Word frequencies only steer which merges come first; common words get more weight.
COMMON = {"a": 8, "the": 6, "of": 5, "on": 5, "in": 4, "and": 4, "with": 3, "red": 3, "blue": 3,
          "background": 3, "circle": 3, "photo": 2, "painting": 2}


def bytes_to_unicode():
    """CLIP's reversible byte to printable-character map (GPT-2's scheme), in CLIP's order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def word_symbols(word):
    return tuple(word[:-1]) + (word[-1] + "</w>",)


def train_bpe(words):
    """Plain BPE training: merge the most frequent adjacent pair until every word is one symbol.
    Ties go to the lexicographically smallest pair so the result is deterministic."""
    corpus = {word_symbols(w): COMMON.get(w, 1) for w in words}
    merges = []
    while True:
        pairs = {}
        for sym, count in corpus.items():
            for p in zip(sym, sym[1:]):
                pairs[p] = pairs.get(p, 0) + count
        if not pairs:
            return merges
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged = {}
        for sym, count in corpus.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + count
        corpus = merged


class Tokenizer:
    """CLIP's tokenization rules (lower-case, split, byte-level BPE with </w>), ASCII prompts only."""

    def __init__(self, merges, pad_token):
        base = list(bytes_to_unicode().values())
        vocab = base + [c + "</w>" for c in base] + ["".join(m) for m in merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        self.vocab = {tok: i for i, tok in enumerate(vocab)}
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.merges = merges
        self.byte_map = bytes_to_unicode()
        self.bos = self.vocab["<|startoftext|>"]
        self.eos = self.vocab["<|endoftext|>"]
        self.pad = self.vocab[pad_token]

    def bpe(self, token):
        word = word_symbols(token)
        while len(word) > 1:
            pairs = set(zip(word, word[1:]))
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            word = tuple(out)
        return word

    def encode(self, text):
        """ids padded to 77 like the SD pipelines do: bos, tokens, eos, then pad."""
        text = " ".join(text.lower().split())
        ids = []
        for piece in re.findall(r"'s|'t|'re|'ve|'m|'ll|'d|[a-z]+|[0-9]|[^\sa-z0-9]+", text):
            mapped = "".join(self.byte_map[b] for b in piece.encode("utf-8"))
            ids.extend(self.vocab[s] for s in self.bpe(mapped))
        ids = [self.bos] + ids[:TEXT_LENGTH - 2] + [self.eos]
        return ids + [self.pad] * (TEXT_LENGTH - len(ids))

    def write(self, folder, pad_token, name):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump(self.vocab, f, ensure_ascii=False)
        with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
            for a, b in self.merges:
                f.write(f"{a} {b}\n")

        # The AddedToken objects and fields are those SD 1.x / 2.x checkpoints ship with.
        def added(content):
            return {"__type": "AddedToken", "content": content, "lstrip": False,
                    "normalized": True, "rstrip": False, "single_word": False}

        config = {
            "add_prefix_space": False,
            "bos_token": added("<|startoftext|>"),
            "do_lower_case": True,
            "eos_token": added("<|endoftext|>"),
            "errors": "replace",
            "model_max_length": TEXT_LENGTH,
            "name_or_path": name,
            "pad_token": pad_token,
            "special_tokens_map_file": "./special_tokens_map.json",
            "tokenizer_class": "CLIPTokenizer",
            "unk_token": added("<|endoftext|>"),
        }
        special = {
            "bos_token": added("<|startoftext|>"),
            "eos_token": added("<|endoftext|>"),
            "pad_token": pad_token,
            "unk_token": added("<|endoftext|>"),
        }
        write_json(os.path.join(folder, "tokenizer_config.json"), config)
        write_json(os.path.join(folder, "special_tokens_map.json"), special)


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------

class Weights:
    """Seeded random weights, drawn in a fixed order; kept as float32 numpy arrays."""

    def __init__(self, seed):
        self.gen = torch.Generator().manual_seed(seed)
        self.tensors = {}

    def normal(self, name, shape, std, mean=0.0):
        t = torch.randn(shape, generator=self.gen, dtype=torch.float32) * std + mean
        self.tensors[name] = t.numpy().astype(np.float32)
        return self.tensors[name]

    def conv(self, name, cin, cout, k=3, gain=1.0):
        self.normal(name + ".weight", (cout, cin, k, k), gain / math.sqrt(cin * k * k))
        self.normal(name + ".bias", (cout,), 0.05)

    def linear(self, name, cin, cout, std=None):
        # stored as [in, out] so the graph is MatMul(x, W)
        self.normal(name + ".weight", (cin, cout), std if std else 1.0 / math.sqrt(cin))
        self.normal(name + ".bias", (cout,), 0.05)

    def __getitem__(self, name):
        return self.tensors[name]


def text_encoder_weights(seed, width):
    w = Weights(seed)
    w.normal("token_embedding", (TEXT_VOCAB_ROWS, width), 0.5)
    w.normal("position_low", (TEXT_LENGTH, POS_RANK), 0.5)
    w.normal("position_up", (POS_RANK, width), 1.0 / math.sqrt(POS_RANK))
    w.normal("ln1.weight", (width,), 0.1, 1.0)
    w.normal("ln1.bias", (width,), 0.1)
    w.linear("fc1", width, TEXT_HIDDEN)
    w.linear("fc2", TEXT_HIDDEN, width)
    w.normal("final_ln.weight", (width,), 0.1, 1.0)
    w.normal("final_ln.bias", (width,), 0.1)
    return w


def unet_weights(seed, in_channels, text_width, width=UNET_WIDTH):
    w = Weights(seed)
    w.linear("time_fc1", TIME_DIM, width)
    w.linear("time_fc2", width, width)
    w.conv("conv_in", in_channels, width)
    w.conv("conv_mid", width, width)
    w.normal("attn_q", (width, width), 1.0 / math.sqrt(width))
    w.normal("attn_k", (text_width, width), 1.0 / math.sqrt(text_width))
    w.normal("attn_v", (text_width, width), 1.0 / math.sqrt(text_width))
    w.normal("attn_out", (width, width), 1.0 / math.sqrt(width))
    w.conv("conv_out", width, 4, gain=3.0)  # predictions of roughly unit size, like epsilon
    return w


def vae_decoder_weights(seed):
    w = Weights(seed)
    w.conv("conv_in", 4, VAE_WIDTH)
    for i in range(3):
        w.conv(f"up{i}", VAE_WIDTH, VAE_WIDTH, gain=1.5)
    w.conv("conv_out", VAE_WIDTH, 3, gain=2.0)  # images with visible contrast
    return w


def vae_encoder_weights(seed):
    w = Weights(seed)
    w.conv("down0", 3, VAE_WIDTH)
    w.conv("down1", VAE_WIDTH, VAE_WIDTH)
    w.conv("down2", VAE_WIDTH, 8)
    # log-variance channels sit far below zero: the encoder's sample stays within ~1e-3 of its mean,
    # so tests can compare it with the mean although the ONNX graph draws fresh noise on every run.
    w.tensors["down2.bias"][4:] -= 14.0
    return w


def preview_weights(seed):
    w = Weights(seed)
    w.conv("conv_in", 4, PREVIEW_WIDTH)
    for i in range(3):
        w.conv(f"up{i}", PREVIEW_WIDTH, PREVIEW_WIDTH, gain=2.0)
    w.conv("conv_out", PREVIEW_WIDTH, 3, gain=6.0)
    return w


# ---------------------------------------------------------------------------------------------
# ONNX graph building
# ---------------------------------------------------------------------------------------------

class Graph:
    def __init__(self, weights, fp16):
        self.w = weights
        self.fp16 = fp16
        self.ft = TensorProto.FLOAT16 if fp16 else TensorProto.FLOAT
        self.nodes, self.inits, self.inputs, self.outputs = [], [], [], []
        self.count = 0

    def fresh(self, hint):
        self.count += 1
        return f"/{hint}_{self.count}"

    def weight(self, name):
        array = self.w[name].astype(np.float16 if self.fp16 else np.float32)
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def const(self, values, dtype=None, hint="const"):
        """A constant; float constants take the model's float type unless given. Integer constants
        (axes, shapes) become Constant nodes, as torch exports them, so shape inference can read
        them even when the initializers live in an external file."""
        dtype = dtype or (np.float16 if self.fp16 else np.float32)
        array = np.asarray(values, dtype=dtype)
        name = self.fresh(hint)
        if np.issubdtype(array.dtype, np.integer):
            self.nodes.append(helper.make_node("Constant", [], [name], name=name + "_node",
                                               value=numpy_helper.from_array(array, name)))
        else:
            self.inits.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type, inputs, hint=None, **attrs):
        out = self.fresh(hint or op_type)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out + "_node", **attrs))
        return out

    def op_named(self, op_type, inputs, out, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out + "_node", **attrs))
        return out

    def input(self, name, elem_type, shape):
        self.inputs.append(helper.make_tensor_value_info(name, elem_type, shape))
        return name

    def output(self, name, elem_type, shape):
        self.outputs.append(helper.make_tensor_value_info(name, elem_type, shape))

    def conv(self, x, name, stride=1):
        return self.op("Conv", [x, self.weight(name + ".weight"), self.weight(name + ".bias")],
                       hint=name, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[stride, stride])

    def linear(self, x, name):
        return self.op("Add", [self.op("MatMul", [x, self.weight(name + ".weight")]), self.weight(name + ".bias")])

    def silu(self, x):
        return self.op("Mul", [x, self.op("Sigmoid", [x])], hint="silu")

    def upsample2(self, x):
        scales = self.const([1.0, 1.0, 2.0, 2.0], dtype=np.float32, hint="scales")
        return self.op("Resize", [x, "", scales], hint="upsample", mode="nearest")

    def model(self, name, opset):
        graph = helper.make_graph(self.nodes, name, self.inputs, self.outputs, self.inits)
        model = helper.make_model(graph, producer_name="emergence-testmodels",
                                  opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


def build_text_encoder(w, width, fp16):
    g = Graph(w, fp16)
    ids = g.input("input_ids", TensorProto.INT32, ["batch", "sequence"])
    idx = g.op("Mod", [ids, g.const(TEXT_VOCAB_ROWS, dtype=np.int32)])
    tok = g.op("Gather", [g.weight("token_embedding"), idx], axis=0)
    pos_full = g.op("MatMul", [g.weight("position_low"), g.weight("position_up")])
    seq = g.op("Slice", [g.op("Shape", [ids]), g.const([1], np.int64), g.const([2], np.int64)])
    pos = g.op("Slice", [pos_full, g.const([0], np.int64), seq, g.const([0], np.int64)])
    h = g.op("Add", [tok, pos])
    n1 = g.op("LayerNormalization", [h, g.weight("ln1.weight"), g.weight("ln1.bias")], axis=-1, epsilon=1e-5)
    a = g.linear(n1, "fc1")
    gelu = g.op("Mul", [a, g.op("Sigmoid", [g.op("Mul", [a, g.const(1.702)])])], hint="quick_gelu")
    h2 = g.op("Add", [h, g.linear(gelu, "fc2")])
    g.op_named("LayerNormalization", [h2, g.weight("final_ln.weight"), g.weight("final_ln.bias")],
               "last_hidden_state", axis=-1, epsilon=1e-5)
    # pooled output at the end-of-text token, found as the largest id, as CLIP does
    eot = g.op("ArgMax", [ids], axis=-1, keepdims=1)
    g.op_named("GatherND", ["last_hidden_state", eot], "pooler_output", batch_dims=1)
    g.output("last_hidden_state", g.ft, ["batch", "sequence", width])
    g.output("pooler_output", g.ft, ["batch", width])
    return g.model("text_encoder", OPSET_TEXT)


def timestep_frequencies():
    # diffusers' Timesteps(flip_sin_to_cos=True, downscale_freq_shift=0): exp(-ln(10000) * i / half)
    half = TIME_DIM // 2
    return np.exp(-math.log(10000.0) * np.arange(half, dtype=np.float64) / half).astype(np.float32)


def build_unet(w, in_channels, text_width, fp16, timestep_type, fixed_shape=None, static_channels=False):
    g = Graph(w, fp16)
    width = w["conv_in.weight"].shape[0]
    if fixed_shape:
        b, hh, ww = fixed_shape
        sample_shape, t_shape, ehs_shape, out_shape = [b, in_channels, hh, ww], [b], [b, TEXT_LENGTH, text_width], [b, 4, hh, ww]
    else:
        sample_shape = ["batch", "channels", "height", "width"]
        t_shape = ["batch"]
        ehs_shape = ["batch", "sequence", text_width]
        out_shape = ["batch", 4, "height", "width"]
        if static_channels:
            sample_shape[1] = in_channels
    sample = g.input("sample", g.ft, sample_shape)
    timestep = g.input("timestep", timestep_type, t_shape)
    ehs = g.input("encoder_hidden_states", g.ft, ehs_shape)

    # Timestep embedding in float32 (as diffusers computes it even in fp16 models), then model dtype.
    t = timestep if timestep_type == TensorProto.FLOAT else g.op("Cast", [timestep], to=TensorProto.FLOAT)
    args = g.op("Mul", [g.op("Unsqueeze", [t, g.const([1], np.int64)]),
                        g.const(timestep_frequencies()[None, :], np.float32)])
    emb = g.op("Concat", [g.op("Cos", [args]), g.op("Sin", [args])], axis=1)
    if fp16:
        emb = g.op("Cast", [emb], to=TensorProto.FLOAT16)
    temb = g.linear(g.silu(g.linear(emb, "time_fc1")), "time_fc2")
    temb = g.op("Unsqueeze", [temb, g.const([2, 3], np.int64)])

    h = g.op("Add", [g.conv(sample, "conv_in"), temb])
    h = g.conv(g.silu(h), "conv_mid")

    # Cross-attention: queries from the latent pixels, keys and values from the text.
    flat = g.op("Reshape", [h, g.const([0, width, -1], np.int64)])
    q = g.op("MatMul", [g.op("Transpose", [flat], perm=[0, 2, 1]), g.weight("attn_q")])
    k = g.op("MatMul", [ehs, g.weight("attn_k")])
    v = g.op("MatMul", [ehs, g.weight("attn_v")])
    scores = g.op("Mul", [g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 2, 1])]),
                          g.const(1.0 / math.sqrt(width))])
    attended = g.op("MatMul", [g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v]), g.weight("attn_out")])
    mixed = g.op("Reshape", [g.op("Transpose", [attended], perm=[0, 2, 1]), g.op("Shape", [h])])
    h = g.op("Add", [h, mixed])

    g.op_named("Tanh", [g.conv(g.silu(h), "conv_out")], "out_sample")
    g.output("out_sample", g.ft, out_shape)
    return g.model("unet", OPSET_OTHER)


def build_vae_decoder(w, fp16):
    g = Graph(w, fp16)
    x = g.input("latent_sample", g.ft, ["batch", "channels", "height", "width"])
    h = g.silu(g.conv(x, "conv_in"))
    for i in range(3):
        h = g.silu(g.conv(g.upsample2(h), f"up{i}"))
    g.op_named("Tanh", [g.conv(h, "conv_out")], "sample")
    g.output("sample", g.ft, ["batch", 3, "height_out", "width_out"])
    return g.model("vae_decoder", OPSET_OTHER)


def build_vae_encoder(w, fp16):
    g = Graph(w, fp16)
    x = g.input("sample", g.ft, ["batch", "channels", "height", "width"])
    h = g.silu(g.conv(x, "down0", stride=2))
    h = g.silu(g.conv(h, "down1", stride=2))
    moments = g.conv(h, "down2", stride=2)
    mean = g.op("Slice", [moments, g.const([0], np.int64), g.const([4], np.int64), g.const([1], np.int64)])
    logvar = g.op("Slice", [moments, g.const([4], np.int64), g.const([8], np.int64), g.const([1], np.int64)])
    logvar = g.op("Clip", [logvar, g.const(-30.0), g.const(20.0)])
    std = g.op("Exp", [g.op("Mul", [logvar, g.const(0.5)])])
    # DiagonalGaussianDistribution.sample(): mean + std * N(0, 1), unseeded like the real export
    noise = g.op("RandomNormalLike", [mean], dtype=g.ft)
    g.op_named("Add", [mean, g.op("Mul", [std, noise])], "latent_sample")
    g.output("latent_sample", g.ft, ["batch", 4, "height_out", "width_out"])
    return g.model("vae_encoder", OPSET_OTHER)


def build_identity():
    """Passes float16, int32 and int64 vectors through unchanged: shows how the engine converts its
    float32 values at the model boundary."""
    g = Graph(Weights(0), False)
    for name, elem_type in (("half", TensorProto.FLOAT16), ("int", TensorProto.INT32), ("long", TensorProto.INT64)):
        g.input(name, elem_type, ["n"])
        g.op_named("Identity", [name], name + "_out")
        g.output(name + "_out", elem_type, ["n"])
    return g.model("identity", OPSET_OTHER)


def build_preview(w):
    g = Graph(w, False)
    x = g.input("latent_sample", TensorProto.FLOAT, ["batch", 4, "height", "width"])
    # TAESD's decoder starts with tanh(x / 3) * 3 and takes the scaled latents as they are
    h = g.op("Mul", [g.op("Tanh", [g.op("Div", [x, g.const(3.0)])]), g.const(3.0)])
    h = g.op("Relu", [g.conv(h, "conv_in")])
    for i in range(3):
        h = g.op("Relu", [g.conv(g.upsample2(h), f"up{i}")])
    g.op_named("Sigmoid", [g.conv(h, "conv_out")], "sample")
    g.output("sample", TensorProto.FLOAT, ["batch", 3, "height_out", "width_out"])
    return g.model("vae_preview", OPSET_OTHER)


# ---------------------------------------------------------------------------------------------
# torch float64 references of the same graphs
# ---------------------------------------------------------------------------------------------

def T(w, name):
    return torch.from_numpy(w[name].astype(np.float64))


def ref_conv(w, x, name, stride=1):
    return torch.nn.functional.conv2d(x, T(w, name + ".weight"), T(w, name + ".bias"), stride=stride, padding=1)


def ref_linear(w, x, name):
    return x @ T(w, name + ".weight") + T(w, name + ".bias")


def ref_text_encoder(w, ids):
    ids = torch.tensor(ids, dtype=torch.int64)
    width = w["token_embedding"].shape[1]
    h = T(w, "token_embedding")[ids % TEXT_VOCAB_ROWS]
    h = h + (T(w, "position_low") @ T(w, "position_up"))[: ids.shape[1]]
    n1 = torch.nn.functional.layer_norm(h, (width,), T(w, "ln1.weight"), T(w, "ln1.bias"), 1e-5)
    a = ref_linear(w, n1, "fc1")
    h2 = h + ref_linear(w, a * torch.sigmoid(1.702 * a), "fc2")
    last = torch.nn.functional.layer_norm(h2, (width,), T(w, "final_ln.weight"), T(w, "final_ln.bias"), 1e-5)
    pooled = last[torch.arange(ids.shape[0]), ids.argmax(dim=-1)]
    return last, pooled


def ref_unet(w, sample, timestep, ehs):
    batch = sample.shape[0]
    t = torch.full((batch,), float(timestep), dtype=torch.float64)
    args = t[:, None] * torch.from_numpy(timestep_frequencies().astype(np.float64))[None, :]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
    temb = ref_linear(w, torch.nn.functional.silu(ref_linear(w, emb, "time_fc1")), "time_fc2")
    h = ref_conv(w, sample, "conv_in") + temb[:, :, None, None]
    h = ref_conv(w, torch.nn.functional.silu(h), "conv_mid")
    q = h.reshape(batch, UNET_WIDTH, -1).transpose(1, 2) @ T(w, "attn_q")
    k = ehs @ T(w, "attn_k")
    v = ehs @ T(w, "attn_v")
    attn = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(UNET_WIDTH), dim=-1)
    h = h + ((attn @ v) @ T(w, "attn_out")).transpose(1, 2).reshape(h.shape)
    return torch.tanh(ref_conv(w, torch.nn.functional.silu(h), "conv_out"))


def ref_vae_decoder(w, z):
    h = torch.nn.functional.silu(ref_conv(w, z, "conv_in"))
    for i in range(3):
        h = torch.nn.functional.silu(ref_conv(w, torch.nn.functional.interpolate(h, scale_factor=2, mode="nearest"), f"up{i}"))
    return torch.tanh(ref_conv(w, h, "conv_out"))


def ref_vae_encoder_mean(w, x):
    h = torch.nn.functional.silu(ref_conv(w, x, "down0", 2))
    h = torch.nn.functional.silu(ref_conv(w, h, "down1", 2))
    moments = ref_conv(w, h, "down2", 2)
    return moments[:, :4], torch.exp(0.5 * torch.clamp(moments[:, 4:], -30, 20))


def ref_preview(w, z):
    h = torch.tanh(z / 3) * 3
    h = torch.relu(ref_conv(w, h, "conv_in"))
    for i in range(3):
        h = torch.relu(ref_conv(w, torch.nn.functional.interpolate(h, scale_factor=2, mode="nearest"), f"up{i}"))
    return torch.sigmoid(ref_conv(w, h, "conv_out"))


# ---------------------------------------------------------------------------------------------
# Reference inputs: closed-form patterns the Java tests rebuild exactly
# ---------------------------------------------------------------------------------------------

def pattern(spec, shape):
    """value[i] = amplitude * sin(frequency * i + phase) over the flat (row-major) index i, then float32."""
    n = int(np.prod(shape))
    values = spec["amplitude"] * np.sin(spec["frequency"] * np.arange(n, dtype=np.float64) + spec["phase"])
    return torch.from_numpy(values.astype(np.float32).astype(np.float64).reshape(shape))


SAMPLE_PATTERN = {"amplitude": 1.0, "frequency": 0.37, "phase": 0.5}
TEXT_PATTERN = {"amplitude": 0.8, "frequency": 0.013, "phase": 0.0}
LATENT_PATTERN = {"amplitude": 1.5 * SCALING_FACTOR, "frequency": 0.21, "phase": 0.3}
PIXEL_PATTERN = {"amplitude": 0.9, "frequency": 0.05, "phase": 0.0}


def summarize(tensor):
    """Shape, sums and up to 512 evenly strided values (all values when there are fewer)."""
    flat = tensor.detach().reshape(-1).numpy()
    stride = max(1, int(math.ceil(flat.size / 512)))
    return {
        "shape": list(tensor.shape),
        "sum": float(flat.sum()),
        "abs_sum": float(np.abs(flat).sum()),
        "stride": stride,
        "values": [float("%.7g" % v) for v in flat[::stride]],
    }


# ---------------------------------------------------------------------------------------------
# Bundles
# ---------------------------------------------------------------------------------------------

PNDM_SD15 = {
    "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.6.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
}

# SD 2.x (768-v) ships a DDIM configuration with v-prediction and otherwise SD 1.5's numbers.
DDIM_SD2_V = {
    "_class_name": "DDIMScheduler",
    "_diffusers_version": "0.8.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "prediction_type": "v_prediction",
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
}

# Seeds: bundles that share a seed share those weights exactly.
SEED_TEXT_SD1, SEED_TEXT_SD2 = 1001, 1002
SEED_UNET_SD1, SEED_UNET_INPAINT, SEED_UNET_SD2 = 2001, 2002, 2003
SEED_VAE_DEC, SEED_VAE_ENC, SEED_PREVIEW = 3001, 3002, 3003

BUNDLES = [
    {"name": "tiny-sd", "text_width": 768, "text_seed": SEED_TEXT_SD1, "unet_seed": SEED_UNET_SD1,
     "in_channels": 4, "fp16": False, "timestep": "int64", "unet_data": "weights.pb",
     "scheduler": PNDM_SD15, "pad_token": "<|endoftext|>", "pipeline": "OnnxStableDiffusionPipeline",
     "vae_sample_size": 64, "vae_encoder": True, "preview": True, "fixed_shape": None},
    {"name": "tiny-sd-inpaint", "text_width": 768, "text_seed": SEED_TEXT_SD1, "unet_seed": SEED_UNET_INPAINT,
     "in_channels": 9, "fp16": False, "timestep": "float32", "unet_data": "model.onnx_data",
     "scheduler": PNDM_SD15, "pad_token": "<|endoftext|>", "pipeline": "OnnxStableDiffusionInpaintPipeline",
     "vae_sample_size": 64, "vae_encoder": True, "preview": False, "fixed_shape": None,
     "unet_config": True},
    {"name": "tiny-sd-fp16", "text_width": 768, "text_seed": SEED_TEXT_SD1, "unet_seed": SEED_UNET_SD1,
     "in_channels": 4, "fp16": True, "timestep": "float16", "unet_data": "weights.pb",
     "scheduler": PNDM_SD15, "pad_token": "<|endoftext|>", "pipeline": "OnnxStableDiffusionPipeline",
     "vae_sample_size": 64, "vae_encoder": True, "preview": False, "fixed_shape": None},
    {"name": "tiny-sd2-v", "text_width": 1024, "text_seed": SEED_TEXT_SD2, "unet_seed": SEED_UNET_SD2,
     "in_channels": 4, "fp16": False, "timestep": "float32", "unet_data": "model.onnx_data",
     "scheduler": DDIM_SD2_V, "pad_token": "!", "pipeline": "OnnxStableDiffusionPipeline",
     "vae_sample_size": 96, "vae_encoder": True, "preview": False, "fixed_shape": None},
    {"name": "tiny-sd-batch1", "text_width": 768, "text_seed": SEED_TEXT_SD1, "unet_seed": SEED_UNET_SD1,
     "in_channels": 4, "fp16": False, "timestep": "int64", "unet_data": "weights.pb",
     "scheduler": PNDM_SD15, "pad_token": "<|endoftext|>", "pipeline": "OnnxStableDiffusionPipeline",
     "vae_sample_size": 64, "vae_encoder": False, "preview": False, "fixed_shape": (1, 8, 8)},
]

TIMESTEP_TYPES = {"int64": TensorProto.INT64, "float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16}
PREVIEW_FOLDER = "vae_preview"
PROMPTS = ["a red circle on a blue background", "", "A photo of a cat, oil painting", "reds and blues"]


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def save_model(model, path, external_data=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if external_data:
        # as diffusers' converter does: tensors of 1 KiB and more go to the one external file
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=external_data, size_threshold=1024, convert_attribute=False)
    else:
        onnx.save_model(model, path)


def model_index(b):
    index = {
        "_class_name": b["pipeline"],
        "_diffusers_version": "0.21.0",
        "feature_extractor": [None, None],
        "requires_safety_checker": False,
        "safety_checker": [None, None],
        "scheduler": ["diffusers", b["scheduler"]["_class_name"]],
        "text_encoder": ["diffusers", "OnnxRuntimeModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"],
    }
    if b["vae_encoder"]:
        index["vae_encoder"] = ["diffusers", "OnnxRuntimeModel"]
    return index


def vae_config(b):
    # The AutoencoderKL fields an Optimum export writes; block_out_channels has 4 entries: factor 8.
    return {
        "_class_name": "AutoencoderKL",
        "_diffusers_version": "0.21.0",
        "act_fn": "silu",
        "block_out_channels": [VAE_WIDTH, VAE_WIDTH, VAE_WIDTH, VAE_WIDTH],
        "down_block_types": ["DownEncoderBlock2D"] * 4,
        "in_channels": 3,
        "latent_channels": 4,
        "layers_per_block": 1,
        "norm_num_groups": 8,
        "out_channels": 3,
        "sample_size": b["vae_sample_size"],
        "scaling_factor": SCALING_FACTOR,
        "up_block_types": ["UpDecoderBlock2D"] * 4,
    }


def unet_config(b):
    # The fields of UNet2DConditionModel's config the engine may read (sample_size is in latents).
    return {
        "_class_name": "UNet2DConditionModel",
        "_diffusers_version": "0.21.0",
        "cross_attention_dim": b["text_width"],
        "in_channels": b["in_channels"],
        "out_channels": 4,
        "sample_size": b["vae_sample_size"] // 8,
    }


def expected_info(b):
    fixed = b["fixed_shape"]
    prediction = b["scheduler"].get("prediction_type", "epsilon")
    return {
        "family": {768: "SD 1.x", 1024: "SD 2.x"}[b["text_width"]],
        "inpainting": b["in_channels"] == 9,
        "unetInChannels": b["in_channels"],
        "latentChannels": 4,
        "textWidth": b["text_width"],
        "textLength": TEXT_LENGTH,
        "predictionType": prediction,
        "vaeScaleFactor": 8,
        "latentScalingFactor": SCALING_FACTOR,
        "nativeSampleSize": fixed[1] * 8 if fixed else b["vae_sample_size"],
        "fp16": b["fp16"],
        "timestepType": b["timestep"],
        "unetBatchFixed": fixed is not None,
        "hasImageEncoder": b["vae_encoder"],
        "hasPreviewDecoder": b["preview"],
        "padTokenId": None,  # filled in from the tokenizer
    }


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    torch.set_grad_enabled(False)
    merges = train_bpe(WORDS)
    reference = {
        "about": "torch float64 outputs of the test models' own weights on closed-form inputs; "
                 "written by make_test_models.py",
        "patterns": {"formula": "value[i] = amplitude * sin(frequency * i + phase), i = flat row-major index, "
                                "rounded to float32",
                     "sample": SAMPLE_PATTERN, "text": TEXT_PATTERN, "latents": LATENT_PATTERN,
                     "pixels": PIXEL_PATTERN},
        "timestep": REFERENCE_TIMESTEP,
        "scaling_factor": SCALING_FACTOR,
        "bundles": {},
    }

    for b in BUNDLES:
        folder = os.path.join(out_dir, b["name"])
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        os.makedirs(folder)
        fp16 = b["fp16"]
        width = b["text_width"]

        write_json(os.path.join(folder, "model_index.json"), model_index(b))
        write_json(os.path.join(folder, "scheduler", "scheduler_config.json"), b["scheduler"])
        tokenizer = Tokenizer(merges, b["pad_token"])
        tokenizer.write(os.path.join(folder, "tokenizer"), b["pad_token"], "emergence/" + b["name"])

        te_w = text_encoder_weights(b["text_seed"], width)
        unet_w = unet_weights(b["unet_seed"], b["in_channels"], width)
        dec_w = vae_decoder_weights(SEED_VAE_DEC)
        save_model(build_text_encoder(te_w, width, fp16), os.path.join(folder, "text_encoder", "model.onnx"))
        save_model(build_unet(unet_w, b["in_channels"], width, fp16, TIMESTEP_TYPES[b["timestep"]], b["fixed_shape"]),
                   os.path.join(folder, "unet", "model.onnx"), external_data=b["unet_data"])
        if b.get("unet_config"):
            write_json(os.path.join(folder, "unet", "config.json"), unet_config(b))
        save_model(build_vae_decoder(dec_w, fp16), os.path.join(folder, "vae_decoder", "model.onnx"))
        write_json(os.path.join(folder, "vae_decoder", "config.json"), vae_config(b))
        if b["vae_encoder"]:
            enc_w = vae_encoder_weights(SEED_VAE_ENC)
            save_model(build_vae_encoder(enc_w, fp16), os.path.join(folder, "vae_encoder", "model.onnx"))
            write_json(os.path.join(folder, "vae_encoder", "config.json"), vae_config(b))
        if b["preview"]:
            prev_w = preview_weights(SEED_PREVIEW)
            save_model(build_preview(prev_w), os.path.join(folder, PREVIEW_FOLDER, "model.onnx"))

        # References, from the float32 weights (the fp16 bundle is compared with them more loosely).
        ids = [tokenizer.encode(p) for p in PROMPTS[:2]]
        last, pooled = ref_text_encoder(te_w, ids)
        c = b["in_channels"]
        hh, ww = (b["fixed_shape"][1], b["fixed_shape"][2]) if b["fixed_shape"] else (8, 8)
        sample = pattern(SAMPLE_PATTERN, (2, c, hh, ww))
        ehs = pattern(TEXT_PATTERN, (2, TEXT_LENGTH, width))
        latents = pattern(LATENT_PATTERN, (1, 4, 8, 8))
        pixels = pattern(PIXEL_PATTERN, (1, 3, 64, 64))
        info = expected_info(b)
        info["padTokenId"] = tokenizer.pad
        entry = {
            "info": info,
            "tokenizer": {"vocab_size": len(tokenizer.vocab), "bos": tokenizer.bos, "eos": tokenizer.eos,
                          "pad": tokenizer.pad,
                          "prompts": [{"text": p, "ids": tokenizer.encode(p)} for p in PROMPTS]},
            "text_encoder": {"prompts": PROMPTS[:2], "last_hidden_state": summarize(last),
                             "pooler_output": summarize(pooled)},
            "unet": {"sample_shape": list(sample.shape), "text_shape": list(ehs.shape),
                     "timestep": REFERENCE_TIMESTEP,
                     "out_sample": summarize(ref_unet(unet_w, sample, REFERENCE_TIMESTEP, ehs))},
            "vae_decoder": {"latents_shape": [1, 4, 8, 8],
                            "note": "input is the scaled latents; the reference decodes latents / scaling_factor",
                            "sample": summarize(ref_vae_decoder(dec_w, latents / SCALING_FACTOR))},
        }
        if b["vae_encoder"]:
            mean, std = ref_vae_encoder_mean(vae_encoder_weights(SEED_VAE_ENC), pixels)
            entry["vae_encoder"] = {"pixels_shape": [1, 3, 64, 64],
                                    "note": "mean of the latent distribution times scaling_factor",
                                    "max_std": float(std.max()),
                                    "scaled_mean": summarize(mean * SCALING_FACTOR)}
        if b["preview"]:
            entry["preview"] = {"folder": PREVIEW_FOLDER, "latents_shape": [1, 4, 8, 8],
                                "note": "raw output in [0, 1] mapped to [-1, 1]",
                                "sample": summarize(ref_preview(preview_weights(SEED_PREVIEW), latents) * 2 - 1)}
        reference["bundles"][b["name"]] = entry

    # Models for the engine's error and conversion tests, not bundles.
    misc = os.path.join(out_dir, "misc")
    if os.path.isdir(misc):
        shutil.rmtree(misc)
    save_model(build_identity(), os.path.join(misc, "identity.onnx"))
    # a UNet whose sample declares 3 channels: neither an SD (4) nor an inpainting (9) UNet
    save_model(build_unet(unet_weights(SEED_UNET_SD1, 3, 768, width=4), 3, 768, False, TensorProto.INT64,
                          static_channels=True), os.path.join(misc, "unet-3-channels.onnx"))

    write_json(os.path.join(out_dir, "reference.json"), reference)


if __name__ == "__main__":
    main()
