#!/usr/bin/env python3
"""Manual check: Hugging Face `tokenizers` encodes texts to exactly the ids SpikeLab's Swift encoder gives.

Usage:
    python3 -m venv /tmp/tokvenv && /tmp/tokvenv/bin/pip install tokenizers
    # export a tokenizer and Swift-encoded cases (trains a small tokenizer; uses held-out docs when data exists):
    SPIKELAB_HF_EXPORT=/tmp/hfcheck swift test --scratch-path .build-data --filter exportForHuggingFaceCheck
    /tmp/tokvenv/bin/python scripts/check_tokenizer_hf.py /tmp/hfcheck

The folder holds `tokenizer.json` and `cases.jsonl` (one {"text": ..., "ids": [...], "special": bool} per line;
`special` = the Swift side recognised <|endoftext|> in the text). Also decodes with HF and compares with the text.
Exit status 0 when every case matches. CI does not run this (it needs Python and PyPI).
"""
import json
import sys

from tokenizers import Tokenizer


def main() -> int:
    folder = sys.argv[1] if len(sys.argv) > 1 else "/tmp/hfcheck"
    tok = Tokenizer.from_file(f"{folder}/tokenizer.json")
    cases = [json.loads(line) for line in open(f"{folder}/cases.jsonl", encoding="utf-8")]
    texts = [c["text"] for c in cases]
    encodings = tok.encode_batch(texts, add_special_tokens=False)
    bad = 0
    total_tokens = 0
    for i, (case, enc) in enumerate(zip(cases, encodings)):
        total_tokens += len(case["ids"])
        if enc.ids != case["ids"]:
            bad += 1
            if bad <= 10:
                first = next((k for k, (a, b) in enumerate(zip(enc.ids, case["ids"])) if a != b), min(len(enc.ids), len(case["ids"])))
                print(f"MISMATCH case {i}: text={case['text'][:80]!r}")
                print(f"  first difference at token {first}: hf={enc.ids[first:first+8]} swift={case['ids'][first:first+8]}")
                print(f"  hf tokens:    {enc.tokens[max(0, first-3):first+5]}")
                print(f"  swift tokens: {[tok.id_to_token(t) for t in case['ids'][max(0, first-3):first+5]]}")
        decoded = tok.decode(case["ids"], skip_special_tokens=False)
        if decoded != case["text"]:
            bad += 1
            if bad <= 10:
                print(f"DECODE MISMATCH case {i}: {case['text'][:60]!r} -> {decoded[:60]!r}")
    print(f"tokenizers {__import__('tokenizers').__version__}: {len(cases)} cases, {total_tokens} tokens, {bad} mismatches; "
          f"vocab size {tok.get_vocab_size()}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
