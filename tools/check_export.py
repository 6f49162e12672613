#!/usr/bin/env python3
"""Checks that `spikelab export` output loads in Hugging Face transformers as LlamaForCausalLM
and computes the same logits as the SpikeLab checkpoint it came from.

The SpikeLab side is evaluated with the independent reference in reference_llama.py (which the
Swift tests match to ~1e-6 on the committed fixtures), reading the original checkpoint with its
config from the safetensors metadata. Needs torch, safetensors and transformers; CI never runs it.

    python tools/check_export.py --checkpoint runs/X/checkpoints/step_000200/model.safetensors --export out/
"""
import argparse
import json
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import reference_llama  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True, help="SpikeLab model.safetensors")
    ap.add_argument("--export", required=True, help="directory written by spikelab export")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="max |diff| / max |logit|")
    args = ap.parse_args()

    with safe_open(args.checkpoint, "pt") as f:
        cfg = json.loads(f.metadata()["config"])
    params = load_file(args.checkpoint)
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
    sys.exit(0 if err < args.tolerance else 1)


if __name__ == "__main__":
    main()
