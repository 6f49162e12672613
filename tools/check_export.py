#!/usr/bin/env python3
"""Checks that `spikelab export` output loads in Hugging Face transformers as LlamaForCausalLM,
computes the same logits as the SpikeLab checkpoint it came from, and names its special tokens.

The SpikeLab side is evaluated with the independent reference in reference_llama.py (which the
Swift tests match to ~1e-6 on the committed fixtures), reading the original checkpoint with its
config from the safetensors metadata. A reparameterised checkpoint holds raw matrices plus gates
(Sources/SpikeModel/ReparameterizedWeights.swift); `effective_weights` applies the same maps, so
the reference uses the weights the forward pass uses. Needs torch, safetensors and transformers;
CI never runs it.

    python tools/check_export.py --checkpoint runs/X/checkpoints/step_000200/model.safetensors --export out/
"""
import argparse
import json
import math
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import reference_llama  # noqa: E402

END_OF_TEXT = "<|endoftext|>"


def effective_weights(params, cfg):
    """The plain model's tensors from a checkpoint's trained ones (a no-op without a reparameterisation)."""
    method = cfg.get("reparameterization")
    if not method:
        return params
    (name,) = method.keys()
    two_n = 2 * cfg["nLayers"]
    out = {}
    for key, w in params.items():
        if not key.endswith(".weight"):  # the methods' own tensors: <name>_gate, _g, _gamma, _spectral_u/v
            continue
        if w.dim() == 2:
            if name == "wesar":  # W = alpha W_raw
                w = params[key + "_gate"] * w
            elif name == "weightNormalization":  # w_r = g_r v_r / ||v_r||
                w = params[key + "_g"][:, None] * w / w.norm(dim=1, keepdim=True)
            elif name == "sigmaReparam":  # W = gamma W_raw / (u^T W_raw v)
                u, v = params[key + "_spectral_u"], params[key + "_spectral_v"]
                w = params[key + "_gamma"] * w / (u @ w @ v)
            elif name == "residualScaling":  # o_proj and down_proj only: W_raw / sqrt(2N)
                if key.endswith(("o_proj.weight", "down_proj.weight")):
                    w = w / math.sqrt(two_n)
            else:
                sys.exit(f"unknown reparameterization {name}")
        out[key] = w
    return out


def check_special_tokens(export_dir, hf_config, generation_config):
    """config.json's bos/eos ids name the tokenizer's <|endoftext|>; AutoTokenizer knows its eos."""
    problems = []
    tokenizer_json = os.path.join(export_dir, "tokenizer.json")
    if not os.path.exists(tokenizer_json):
        if hf_config.get("bos_token_id") is not None or hf_config.get("eos_token_id") is not None:
            problems.append("no tokenizer.json, but config.json names bos/eos ids")
        return problems
    with open(tokenizer_json) as f:
        added = {t["content"]: t["id"] for t in json.load(f).get("added_tokens", [])}
    eot = added.get(END_OF_TEXT)
    for key in ("bos_token_id", "eos_token_id"):
        if hf_config.get(key) != eot:
            problems.append(f"config.json {key} = {hf_config.get(key)}, expected {END_OF_TEXT}'s id {eot}")
    if generation_config.eos_token_id != eot:
        problems.append(f"generate() stops at {generation_config.eos_token_id}, not {END_OF_TEXT} ({eot})")
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(export_dir)
    if tok.eos_token != END_OF_TEXT or tok.eos_token_id != eot:
        problems.append(f"AutoTokenizer eos is {tok.eos_token!r} ({tok.eos_token_id}), expected {END_OF_TEXT} ({eot})")
    if not problems:
        print(f"special tokens: bos = eos = {END_OF_TEXT} ({eot}) in config.json, generate() and AutoTokenizer")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True, help="SpikeLab model.safetensors")
    ap.add_argument("--export", required=True, help="directory written by spikelab export")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="max |diff| / max |logit|")
    args = ap.parse_args()

    with safe_open(args.checkpoint, "pt") as f:
        cfg = json.loads(f.metadata()["config"])
    params = effective_weights(load_file(args.checkpoint), cfg)
    torch.manual_seed(0)
    tokens = torch.randint(0, cfg["vocabSize"], (2, cfg["contextLength"]), dtype=torch.int32)
    with torch.no_grad():
        ours = reference_llama.forward(params, cfg, tokens)

    from transformers import LlamaForCausalLM
    model = LlamaForCausalLM.from_pretrained(args.export, torch_dtype=torch.float32, attn_implementation="eager")
    model.eval()
    with torch.no_grad():
        theirs = model(input_ids=tokens.long()).logits
    err = (ours - theirs).abs().max().item() / ours.abs().max().item()
    print(f"LlamaForCausalLM vs SpikeLab reference: max relative logit difference {err:.2e} (tolerance {args.tolerance:g})")
    problems = [] if err < args.tolerance else [f"logits differ by {err:.2e}"]

    with open(os.path.join(args.export, "config.json")) as f:
        hf_config = json.load(f)
    # The Float's shortest decimal (1e-05), not the Float widened to a Double (9.999999747378752e-06).
    if hf_config["rms_norm_eps"] != cfg["normEps"]:
        problems.append(f"config.json rms_norm_eps = {hf_config['rms_norm_eps']!r}, expected {cfg['normEps']!r}")
    problems += check_special_tokens(args.export, hf_config, model.generation_config)
    for p in problems:
        print("FAIL:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
