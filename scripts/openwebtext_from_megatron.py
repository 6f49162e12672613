#!/usr/bin/env python3
"""Rebuild webtext/openwebtext/openwebtext-10k.docsXXXX-YYYY.jsonl from Megatron-DeepSpeed's test fixture.

    openwebtext_from_megatron.py PREFIX VOCAB_JSON FIRST COUNT > out.jsonl

PREFIX.idx / PREFIX.bin: a Megatron MMapIndexedDataset (GPT-2 byte-level BPE ids of the first 1000 documents of
stas/openwebtext-10k, each ending with the end-of-document token). VOCAB_JSON: gpt2-tiny-vocab.json. Writes
documents FIRST .. FIRST+COUNT-1 as JSON Lines {"text": ...} (json.dumps, ensure_ascii=False), dropping each
document's trailing end-of-document token. Standard library only. Called by scripts/fetch_data.sh.
"""
import json
import struct
import sys
from array import array

DTYPES = {1: "B", 2: "b", 3: "h", 4: "i", 5: "q", 8: "H"}


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def typed(code, raw):
    a = array(code)
    a.frombytes(raw)
    if sys.byteorder != "little":
        a.byteswap()
    return a


def main():
    prefix, vocab_path, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(prefix + ".idx", "rb") as f:
        idx = f.read()
    if idx[:9] != b"MMIDIDX\x00\x00":
        sys.exit("not a Megatron mmap index")
    (version,) = struct.unpack_from("<Q", idx, 9)
    code = idx[17]
    n_seq, n_doc = struct.unpack_from("<QQ", idx, 18)
    if version != 1 or code not in DTYPES:
        sys.exit(f"unsupported index version {version} / dtype {code}")
    off = 34
    sizes = typed("i", idx[off:off + 4 * n_seq]); off += 4 * n_seq
    pointers = typed("q", idx[off:off + 8 * n_seq]); off += 8 * n_seq
    doc_idx = typed("q", idx[off:off + 8 * n_doc])
    with open(prefix + ".bin", "rb") as f:
        data = f.read()
    width = array(DTYPES[code]).itemsize

    vocab = json.load(open(vocab_path, encoding="utf-8"))
    id_to_token = {i: t for t, i in vocab.items()}
    eod = vocab.get("<|endoftext|>", 4999)
    byte_decoder = {c: b for b, c in bytes_to_unicode().items()}

    out = sys.stdout.buffer
    docs = len(doc_idx) - 1
    if first + count > docs:
        sys.exit(f"asked for documents {first}..{first + count - 1}, index has {docs}")
    for d in range(first, first + count):
        ids = []
        for s in range(doc_idx[d], doc_idx[d + 1]):
            p = pointers[s]
            ids.extend(typed(DTYPES[code], data[p:p + width * sizes[s]]))
        if ids and ids[-1] == eod:
            ids.pop()
        text = bytes(byte_decoder[c] for i in ids for c in id_to_token[i]).decode("utf-8")
        out.write((json.dumps({"text": text}, ensure_ascii=False) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
