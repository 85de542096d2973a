"""Reads an exported model folder's weights back into the recipe's torch modules.

A ControlNet is trained against the frozen UNet it is for, and the model that ships may have been trained
in a run folder that is gone. Its ONNX graphs still hold every weight, but not all under their torch names:
torch's exporter stores a Linear's weight transposed under a name such as `onnx::MatMul_2733` and folds a
GroupNorm's weight into a `[C, 1, 1]` constant, and in this recipe's UNet the node scopes that would say
which module they belong to are truncated (`/resnets.0/norm1_1/Mul`). So the mapping is found by
experiment instead of by name: the same architecture, filled with random values, is exported the way the
folder's graph was, each initializer of that export is identified by its value (the parameter as it is,
transposed or reshaped), and the folder's graph, which has the same structure, gives the values at the same
places. Any difference in structure (count, order or shape of initializers) is refused.
"""
import json
import os
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

import export
import models


def _initializers_in_use_order(graph):
    """Initializers in the order nodes first read them (named and unnamed alike), then any unread."""
    by_name = {i.name: i for i in graph.initializer}
    order, seen = [], set()
    for node in graph.node:
        for name in node.input:
            if name in by_name and name not in seen:
                seen.add(name)
                order.append(by_name[name])
    return order + [i for i in graph.initializer if i.name not in seen]


def _identify(value, params):
    """(key, form) of the parameter this exported constant was made from, or None."""
    flat = value.reshape(-1)
    for key, p in params.items():
        if p.size != value.size:
            continue
        if np.array_equal(p.reshape(-1), flat):
            return key, "same"
        if p.ndim == 2 and np.array_equal(p.T.reshape(-1), flat):
            return key, "transposed"
    return None


def load(module, spec, onnx_path, required=lambda key: True):
    """Fills `module` with the weights of the graph at onnx_path, which export.py wrote from `spec` (its
    graph_specs entry). Every floating-point entry of the state dict for which `required` holds must be
    found in the graph; the others keep their values."""
    graph_module, args, export_kwargs = spec
    kept = {k: v.clone() for k, v in module.state_dict().items()}
    gen = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for t in module.state_dict().values():
            if t.is_floating_point():
                t.copy_(torch.randn(t.shape, generator=gen))
    state = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    with tempfile.TemporaryDirectory() as tmp:
        probe = os.path.join(tmp, "probe.onnx")
        fresh = export._export(graph_module, args, probe, **export_kwargs)
        fresh_inits = _initializers_in_use_order(fresh.graph)
    target = onnx.load(onnx_path)
    target_inits = _initializers_in_use_order(target.graph)
    if [list(i.dims) for i in fresh_inits] != [list(i.dims) for i in target_inits]:
        raise ValueError(f"{onnx_path}: its initializers differ from this recipe's architecture "
                         f"({len(target_inits)} against {len(fresh_inits)}, or their shapes)")
    loaded = {}
    for f, t in zip(fresh_inits, target_inits):
        found = _identify(numpy_helper.to_array(f), state)
        if found is None:
            continue  # a constant of the graph itself (shapes, folded arithmetic), not a weight
        key, form = found
        value = numpy_helper.to_array(t)
        value = value.reshape(state[key].T.shape).T if form == "transposed" else value.reshape(state[key].shape)
        loaded[key] = torch.from_numpy(np.ascontiguousarray(value))
    missing = [k for k, v in state.items()
               if k not in loaded and required(k) and np.issubdtype(v.dtype, np.floating)]
    if missing:
        raise ValueError(f"{onnx_path}: no weight found for {len(missing)} parameters, e.g. {missing[:3]}")
    module.load_state_dict({**kept, **{k: v for k, v in loaded.items() if required(k)}}, strict=True)
    return module


def load_pipeline(folder, cfg, tok):
    """The text encoder, UNet and autoencoder of an exported model folder, built with the recipe's config
    `cfg` (FULL for the default model) and filled with the folder's weights; plus its scaling factor."""
    import train  # noqa: PLC0415 (train imports this module's siblings; no cycle at import time)
    te, unet = train.build_text_unet(cfg, tok)
    vae = models.AutoencoderKL(cfg["vae_channels"])
    with open(os.path.join(folder, "vae_decoder", "config.json")) as f:
        scale = float(json.load(f)["scaling_factor"])
    specs = export.graph_specs(vae, te, unet, tok, image_size=unet.config["position_grid"] * 8)
    unet_spec = specs["unet" if export.unet_takes_residuals(os.path.join(folder, "unet", "model.onnx")) else "unet_plain"]
    # Each autoencoder graph holds only its own half (and the shared channel gain).
    for name, module, spec, required in (
            ("text_encoder", te, specs["text_encoder"], lambda k: True),
            ("unet", unet, unet_spec, lambda k: True),
            ("vae_encoder", vae, specs["vae_encoder"], lambda k: not k.startswith(("decoder.", "post_quant_conv."))),
            ("vae_decoder", vae, specs["vae_decoder"], lambda k: not k.startswith(("encoder.", "quant_conv.")))):
        load(module, spec, os.path.join(folder, name, "model.onnx"), required)
    return te.eval(), unet.eval(), vae.eval(), scale
