#!/usr/bin/env python3
"""Independent PyTorch implementation of the SPAM optimiser step and its fixtures.

SPAM (Huang et al., ICLR 2025) as its public reference code behaves, quirks included, written from
the specification in ../shared/papers/spam-reference.md (not from the reference code). The script
runs it for 1,200 steps on the parameter layout of a tiny model with synthetic gradients (1000x
spikes, rows that stay zero for a while) and writes what the Swift parity test compares after every
step: parameters, both moments, the sparse-momentum masks and the counters.

    python tools/spam_reference.py --out Tests/Fixtures/spam   # part of make fixtures
    python tools/spam_reference.py --check                     # self-checks, writes nothing

Everything is float32 on the CPU, one thread, from fixed seeds: two runs give byte-identical files.
CI never runs this; its outputs are committed (tools/README.md describes them).

Arithmetic. The float32 step is a fixed sequence of single, correctly rounded IEEE operations
(each op below rounds once; nothing is fused; sqrt is numpy's, because torch's CPU sqrt is a
vectorised approximation that is 1 ulp off for about a fifth of all floats), so an implementation
that performs the same operations in the same order (Sources/SpikeTraining/SPAM.swift) gets the
same floats:
    g  = grad * gradientScale
    if n % dT == 0:                         m = v = 0
    if theta != 0 and n >= A and n % dT >= A:
        t = theta * v;  where g*g > t:      g = sign(g) * sqrt(t)
    m  = m * beta1 + g * (1 - beta1)
    v  = v * beta2 + (g * g) * (1 - beta2)
    p  = p - step * (m / (sqrt(v) + eps))   step = float32(alpha * s), alpha and s in float64
    p  = p - decay * p                      decay = float32(lr * weightDecay), decayed tensors only
with the scalars beta1, 1 - beta1, beta2, 1 - beta2, theta, eps rounded to float32 once (1 - beta
is computed in float64 first). alpha = lr * sqrt(1 - beta2^k) / (1 - beta1^k) (lr without bias
correction), s = 1 - 0.99 (1 + cos(pi c / (N + 1))) / 2 for c < N, else 1.

Masks. Sparse-momentum masks are drawn with an exact port of the project's RandomGenerator
(Sources/SpikeKernels/RandomGenerator.swift: xoshiro256** seeded by SplitMix64, named sub-streams
by FNV-1a), so Swift draws the same masks from the same seed. Draw j of tensor `name` uses
RandomGenerator.stream(seed, "spam.mask.<j>.<name>"): draw 0 (at construction) marks the first
floor(density * numel) entries of permutation(numel); draw j >= 1 (after call j dT - 1) marks
coordinate i (row-major) when the i-th uniform() is < density.
"""

import argparse
import io
import json
import math
import os
import sys
from collections import OrderedDict

import numpy as np
import torch
from safetensors.torch import save, save_file

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
# Subnormals flush to zero, as in the Swift kernels (CFloatingPoint sets FTZ and DAZ).
torch.set_flush_denormal(True)

MASK64 = (1 << 64) - 1

# --------------------------------------------------------------------------------------
# The project's RandomGenerator, bit for bit
# --------------------------------------------------------------------------------------


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK64


class RandomGenerator:
    """xoshiro256** seeded through SplitMix64, as Sources/SpikeKernels/RandomGenerator.swift."""

    def __init__(self, seed):
        x = seed & MASK64
        state = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            state.append(z ^ (z >> 31))
        self.s = state

    @staticmethod
    def stream(seed, name):
        h = 0xCBF29CE484222325  # FNV-1a over the name's UTF-8 bytes
        for byte in name.encode("utf-8"):
            h = ((h ^ byte) * 0x100000001B3) & MASK64
        return RandomGenerator(seed ^ h)

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def uniform(self):
        """Uniform in [0, 1) with 53 random bits (exact in a double)."""
        return math.ldexp(self.next() >> 11, -53)

    def int_below(self, bound):
        limit = MASK64 - MASK64 % bound
        while True:
            r = self.next()
            if r < limit:
                return r % bound

    def normal(self):
        u1 = max(self.uniform(), math.ldexp(1.0, -60))
        u2 = self.uniform()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def permutation(self, n):
        """Fisher-Yates shuffle of 0..<n."""
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int_below(i + 1)
            p[i], p[j] = p[j], p[i]
        return p


# Outputs of the Swift RandomGenerator (printed by a Swift program), for --check: next() x 4 of
# a seeded generator and of a named stream, then permutation(10), uniform(), normal() of another.
SWIFT_KNOWN_ANSWERS = [
    ((42, None), [1546998764402558742, 6990951692964543102, 12544586762248559009, 17057574109182124193]),
    ((20250112, "spam.mask.0.model.layers.0.mlp.up_proj.weight"),
     [8379150504204927654, 16029892472663441069, 1464842775587556247, 12121352041794938172]),
]
SWIFT_KNOWN_DRAWS = ((7, "x"), [8, 1, 5, 9, 6, 2, 4, 7, 3, 0], 0.4305137619979621, -0.08662320701639681)

# --------------------------------------------------------------------------------------
# Fixture definitions
# --------------------------------------------------------------------------------------

# A tiny model whose ParameterLayout (Sources/SpikeModel/ParameterLayout.swift) the Swift test
# builds: every role once (embedding, norms, attention and MLP matrices, untied head), 70 floats,
# so every quantity can be stored after every one of 1,200 steps in about 1 MB per case.
MODEL = OrderedDict(
    vocabSize=4, dModel=2, nLayers=1, nHeads=1, contextLength=4, mlpKind="gelu", mlpHidden=8,
    normEps=1e-5, ropeTheta=10000.0, tiedEmbeddings=False, embeddingScale=False, zLoss=0.0,
)

SEED = 20250112   # masks, initial parameters and gradients
STEPS = 1200      # length of the gradient stream (the long cases use all of it)

# The optimiser settings every case starts from (OptimizerConfig keys; lr comes from the list in
# inputs.json, so maxLR..totalSteps only document the schedule that produced it).
BASE = OrderedDict(
    maxLR=1e-2, minLR=1e-3, warmupSteps=50, totalSteps=STEPS,
    beta1=0.9, beta2=0.999, eps=1e-6, weightDecay=0.0, clipNorm=None,
    spam=OrderedDict(theta=5000.0, resetInterval=100, warmupSteps=10, clippingHoldOff=20,
                     density=1.0, biasCorrection=True),
)

CASES = OrderedDict(
    density100_wd=dict(steps=1200, weightDecay=0.1, spam=dict(density=1.0)),
    density050_wd=dict(steps=1200, weightDecay=0.1, spam=dict(density=0.5)),
    density025=dict(steps=1200, weightDecay=0.0, spam=dict(density=0.25)),
    # The other knobs, on shorter runs: no bias correction, no cosine warm-up, a short hold-off,
    # a low threshold (much clipping) and other betas / eps.
    knobs=dict(steps=300, weightDecay=0.1, beta1=0.8, beta2=0.95, eps=1e-8,
               spam=dict(density=0.5, theta=50.0, resetInterval=50, warmupSteps=0,
                         clippingHoldOff=5, biasCorrection=False)),
    no_clipping=dict(steps=300, weightDecay=0.0,
                     spam=dict(density=0.25, theta=0.0, resetInterval=70, warmupSteps=30)),
)


def case_settings(spec):
    s = json.loads(json.dumps(BASE), object_pairs_hook=OrderedDict)
    for k, v in spec.items():
        if k == "spam":
            s["spam"].update(v)
        elif k != "steps":
            s[k] = v
    return s


# --------------------------------------------------------------------------------------
# Parameter layout (as ParameterLayout.init for a plain model)
# --------------------------------------------------------------------------------------


def layout(cfg):
    """[(name, shape, role)] in the Swift layout's order; offsets follow from the order."""
    V, d, h = cfg["vocabSize"], cfg["dModel"], cfg["mlpHidden"]
    out = [("model.embed_tokens.weight", (V, d), "embedding")]
    for i in range(cfg["nLayers"]):
        p = f"model.layers.{i}."
        out.append((p + "input_layernorm.weight", (d,), "norm"))
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            out.append((p + f"self_attn.{n}.weight", (d, d), "attention"))
        out.append((p + "post_attention_layernorm.weight", (d,), "norm"))
        if cfg["mlpKind"] == "swiglu":
            out.append((p + "mlp.gate_proj.weight", (h, d), "mlp"))
        out.append((p + "mlp.up_proj.weight", (h, d), "mlp"))
        out.append((p + "mlp.down_proj.weight", (d, h), "mlp"))
    out.append(("model.norm.weight", (d,), "norm"))
    if not cfg["tiedEmbeddings"]:
        out.append(("lm_head.weight", (V, d), "head"))
    return out


class Tensor:
    def __init__(self, name, shape, role, offset):
        self.name, self.shape, self.role, self.offset = name, tuple(shape), role, offset
        self.count = int(np.prod(shape))
        # Sparse momentum covers the attention and MLP matrices only (the reference's density
        # group); weight decay applies to the other matrices (embedding, head), never to norms.
        self.sparse = role in ("attention", "mlp")
        self.matrix = len(shape) == 2

    @property
    def slice(self):
        return slice(self.offset, self.offset + self.count)


def tensors_of(cfg):
    out, offset = [], 0
    for name, shape, role in layout(cfg):
        t = Tensor(name, shape, role, offset)
        out.append(t)
        offset += t.count
    return out, offset


# --------------------------------------------------------------------------------------
# SPAM
# --------------------------------------------------------------------------------------


def first_mask(seed, name, count, density):
    rng = RandomGenerator.stream(seed, f"spam.mask.0.{name}")
    keep = int(density * count)
    mask = torch.zeros(count, dtype=torch.bool)
    for i in rng.permutation(count)[:keep]:
        mask[i] = True
    return mask


def redrawn_mask(seed, name, count, density, draw):
    rng = RandomGenerator.stream(seed, f"spam.mask.{draw}.{name}")
    return torch.tensor([rng.uniform() < density for _ in range(count)], dtype=torch.bool)


def sqrt(x):
    """Correctly rounded square root (IEEE, like Swift's squareRoot())."""
    return torch.from_numpy(np.sqrt(x.numpy()))


def warmup_factor(c, N):
    """The reference's CosineDecay(0.99, N) closed form, subtracted from 1."""
    if c >= N:
        return 1.0
    return 1 - 0.99 * (1 + math.cos(math.pi * c / (N + 1))) / 2


class SPAM:
    """SPAM over one flat parameter vector (the Swift layout). Moments are full-size; for a sparse
    tensor only its masked coordinates are used and the others stay 0."""

    def __init__(self, tensors, count, settings, seed, dtype=torch.float32):
        sp = settings["spam"]
        self.tensors, self.settings, self.seed, self.dtype = tensors, settings, seed, dtype
        self.theta, self.dT, self.N = sp["theta"], sp["resetInterval"], sp["warmupSteps"]
        self.A, self.density, self.bias_correction = sp["clippingHoldOff"], sp["density"], sp["biasCorrection"]
        self.m = torch.zeros(count, dtype=dtype)
        self.v = torch.zeros(count, dtype=dtype)
        self.n = 0                      # calls so far
        self.k = [0] * len(tensors)     # each tensor's own update counter (never reset)
        self.c = self.N + 1             # warm-up counter: no warm-up at the start
        self.masks = [first_mask(seed, t.name, t.count, self.density) if t.sparse else None for t in tensors]
        self.draws = 1
        self.last_factor = None
        self.last_clipped = [0] * len(tensors)

    def scalar(self, x):
        return torch.tensor(x, dtype=self.dtype)

    def step(self, params, grads, lr, grad_scale):
        """One call: params and grads are flat tensors (params updated in place)."""
        st = self.settings
        self.n += 1
        n = self.n
        s = warmup_factor(self.c, self.N)
        reset = n % self.dT == 0
        clipping = self.theta != 0 and n >= self.A and n % self.dT >= self.A
        b1, c1 = self.scalar(st["beta1"]), self.scalar(1 - st["beta1"])
        b2, c2 = self.scalar(st["beta2"]), self.scalar(1 - st["beta2"])
        theta, eps = self.scalar(self.theta), self.scalar(st["eps"])
        scale = self.scalar(grad_scale)
        for ti, t in enumerate(self.tensors):
            idx = torch.arange(t.offset, t.offset + t.count)
            if t.sparse:
                idx = idx[self.masks[ti]]
            g = grads[idx] * scale
            m, v = self.m[idx], self.v[idx]
            if reset:
                m, v = torch.zeros_like(m), torch.zeros_like(v)
            self.k[ti] += 1
            k = self.k[ti]
            clipped = 0
            if clipping:
                limit = theta * v          # v before this step's update
                over = g * g > limit
                g = torch.where(over, torch.sign(g) * sqrt(limit), g)
                clipped = int(over.sum())
            self.last_clipped[ti] = clipped
            m = m * b1 + g * c1
            v = v * b2 + (g * g) * c2
            alpha = lr
            if self.bias_correction:
                alpha = lr * math.sqrt(1 - st["beta2"] ** k) / (1 - st["beta1"] ** k)
            p = params[idx]
            p = p - self.scalar(alpha * s) * (m / (sqrt(v) + eps))
            # Decoupled decay after the update, not scaled by s; the reference's decay of a
            # sparse-momentum tensor writes into a copy, so those tensors are never decayed.
            if t.matrix and not t.sparse and st["weightDecay"] > 0:
                p = p - self.scalar(lr * st["weightDecay"]) * p
            params[idx], self.m[idx], self.v[idx] = p, m, v
        self.last_factor = s
        self.c += 1
        if (n + 1) % self.dT == 0:   # one call before a reset: new masks, warm-up restarts
            self.redraw(draw=(n + 1) // self.dT)
            self.c = 0

    def redraw(self, draw):
        for ti, t in enumerate(self.tensors):
            if not t.sparse:
                continue
            new = redrawn_mask(self.seed, t.name, t.count, self.density, draw)
            # Coordinates in both masks keep their moments; the others start at 0 (full-size
            # storage keeps 0 outside the mask).
            drop = ~(new & self.masks[ti])
            self.m[t.slice][drop] = 0
            self.v[t.slice][drop] = 0
            self.masks[ti] = new
        self.draws += 1

    def full_masks(self, count):
        out = torch.ones(count, dtype=torch.int32)
        for ti, t in enumerate(self.tensors):
            if t.sparse:
                out[t.slice] = self.masks[ti].to(torch.int32)
        return out


# --------------------------------------------------------------------------------------
# Synthetic inputs: initial parameters, gradients with spikes and zero rows, lr, gradient scale
# --------------------------------------------------------------------------------------

GRADIENT_SCALE = dict(embedding=1e-2, norm=2e-3, attention=3e-2, mlp=1e-2, head=5e-2)
SPIKE = 1000.0
# Scheduled spikes (step, tensor, flat index within the tensor): the start; the last call of the
# first hold-off (19, not clipped) and the first clipped call (20, on other coordinates, of dense
# tensors so every density sees them); a reset call (100) and the calls around the end of its
# hold-off (119, 120); a spike repeated on the next call (the first one, unclipped inside the
# hold-off, raises v, so the second may pass); a few later ones. Random ones are added on top.
SCHEDULED_SPIKES = [
    (1, "model.layers.0.self_attn.q_proj.weight", 0), (5, "model.embed_tokens.weight", 3),
    (19, "model.layers.0.mlp.up_proj.weight", 4), (20, "model.layers.0.mlp.up_proj.weight", 4),
    (19, "lm_head.weight", 6), (20, "lm_head.weight", 5), (20, "model.embed_tokens.weight", 5),
    (21, "model.norm.weight", 0), (99, "model.layers.0.mlp.down_proj.weight", 7),
    (100, "model.layers.0.self_attn.v_proj.weight", 2), (100, "model.embed_tokens.weight", 0),
    (119, "model.layers.0.mlp.up_proj.weight", 9), (119, "lm_head.weight", 3), (120, "lm_head.weight", 2),
    (120, "model.embed_tokens.weight", 2), (120, "model.layers.0.self_attn.o_proj.weight", 3),
    (121, "model.layers.0.input_layernorm.weight", 1), (250, "model.layers.0.mlp.down_proj.weight", 0),
    (500, "model.embed_tokens.weight", 6), (640, "model.layers.0.self_attn.k_proj.weight", 1),
    (1000, "lm_head.weight", 5), (1001, "model.layers.0.mlp.up_proj.weight", 15),
]
SPIKE_PROBABILITY = 0.03   # per step: one more spike at a random coordinate of a random tensor
# Rows whose gradient is exactly 0 on steps [from, to] (a 1-D tensor's "row" is one coordinate):
# zero since the start and resuming after the hold-off (v = 0: clipped to 0 until the next reset),
# across a reset resuming inside the hold-off (not clipped) or after it (clipped), and a gap
# in the middle of an interval (v decays but stays > 0).
ZERO_ROWS = [
    ("lm_head.weight", 0, 1, 30),
    ("model.embed_tokens.weight", 3, 1, 150),
    ("model.embed_tokens.weight", 1, 290, 315),
    ("model.embed_tokens.weight", 2, 430, 470),
    ("model.layers.0.mlp.up_proj.weight", 5, 580, 650),
    ("model.layers.0.self_attn.q_proj.weight", 1, 880, 905),
    ("model.layers.0.input_layernorm.weight", 0, 1000, 1050),
    ("model.layers.0.mlp.down_proj.weight", 1, 1090, 1130),
]


def lr_at(s, tr):
    """LRSchedule: linear warm-up to maxLR, cosine to minLR at totalSteps (update s from 0)."""
    if s < tr["warmupSteps"]:
        return tr["maxLR"] * (s + 1) / tr["warmupSteps"]
    progress = min(1.0, (s - tr["warmupSteps"]) / max(1, tr["totalSteps"] - tr["warmupSteps"]))
    return tr["minLR"] + 0.5 * (tr["maxLR"] - tr["minLR"]) * (1 + math.cos(math.pi * progress))


def make_inputs(tensors, count):
    """Initial parameters [P], gradients [STEPS, P] (float32), gradient scales and lrs per step."""
    by_name = {t.name: t for t in tensors}
    init_rng = RandomGenerator.stream(SEED, "init")
    init = np.zeros(count, dtype=np.float32)
    for t in tensors:
        for i in range(t.count):
            z = init_rng.normal()
            if t.role == "norm":
                init[t.offset + i] = 1 + 0.1 * z
            else:
                init[t.offset + i] = z / math.sqrt(t.shape[1])
    g_rng = RandomGenerator.stream(SEED, "gradients")
    # A fixed per-coordinate mean, so the first moment has something to follow.
    mean = np.array([0.5 * g_rng.normal() for _ in range(count)])
    grads = np.zeros((STEPS, count), dtype=np.float32)
    for n in range(1, STEPS + 1):
        amplitude = 1 + 0.5 * math.sin(2 * math.pi * n / 257)
        for t in tensors:
            sigma = GRADIENT_SCALE[t.role] * amplitude
            for i in range(t.count):
                grads[n - 1, t.offset + i] = sigma * (mean[t.offset + i] + g_rng.normal())
    spikes = [(n, by_name[name].offset + i) for n, name, i in SCHEDULED_SPIKES]
    for n in range(1, STEPS + 1):
        if g_rng.uniform() < SPIKE_PROBABILITY:
            t = tensors[g_rng.int_below(len(tensors))]
            spikes.append((n, t.offset + g_rng.int_below(t.count)))
    for n, j in spikes:
        grads[n - 1, j] = np.float32(grads[n - 1, j] * np.float32(SPIKE))
    for name, row, first, last in ZERO_ROWS:
        t = by_name[name]
        width = t.shape[1] if t.matrix else 1
        grads[first - 1:last, t.offset + row * width:t.offset + (row + 1) * width] = 0
    # gradientScale is the global-norm clipping coefficient in training; vary it now and then.
    gscale = np.ones(STEPS, dtype=np.float32)
    gscale[6::7] = 0.5
    gscale[12] = 0.37
    lrs = [lr_at(s, BASE) for s in range(STEPS)]
    return init, grads, gscale, lrs, sorted(spikes)


# --------------------------------------------------------------------------------------
# Running a case and writing the fixtures
# --------------------------------------------------------------------------------------


def run_case(name, inputs, tensors, count, dtype=torch.float32, literal=False):
    spec = CASES[name]
    settings = case_settings(spec)
    init, grads, gscale, lrs, _ = inputs
    steps = spec["steps"]
    opt = SPAM(tensors, count, settings, SEED, dtype=dtype)
    params = torch.tensor(init, dtype=torch.float32).to(dtype)
    g_all = torch.tensor(grads).to(dtype)
    out = dict(param=[], exp_avg=[], exp_avg_sq=[], step=[], warmup_counter=[], warmup_factor=[],
               clipped=[], mask=[opt.full_masks(count)], mask_drawn_after=[0])
    for n in range(1, steps + 1):
        opt.step(params, g_all[n - 1], lrs[n - 1], float(gscale[n - 1]))
        out["param"].append(params.clone())
        out["exp_avg"].append(opt.m.clone())
        out["exp_avg_sq"].append(opt.v.clone())
        out["step"].append(opt.k[0])
        out["warmup_counter"].append(opt.c)
        out["warmup_factor"].append(opt.last_factor)
        out["clipped"].append(list(opt.last_clipped))
        if (n + 1) % opt.dT == 0:
            out["mask"].append(opt.full_masks(count))
            out["mask_drawn_after"].append(n)
    return settings, out


def case_tensors(out):
    return OrderedDict([
        ("param", torch.stack(out["param"]).to(torch.float32)),
        ("exp_avg", torch.stack(out["exp_avg"]).to(torch.float32)),
        ("exp_avg_sq", torch.stack(out["exp_avg_sq"]).to(torch.float32)),
        ("mask", torch.stack(out["mask"]).to(torch.int32)),
        ("mask_drawn_after", torch.tensor(out["mask_drawn_after"], dtype=torch.int32)),
        ("step", torch.tensor(out["step"], dtype=torch.int32)),
        ("warmup_counter", torch.tensor(out["warmup_counter"], dtype=torch.int32)),
        ("warmup_factor", torch.tensor(out["warmup_factor"], dtype=torch.float32)),
        ("clipped", torch.tensor(out["clipped"], dtype=torch.int32)),
    ])


def tensor_table(tensors):
    return [OrderedDict(name=t.name, shape=list(t.shape), role=t.role, offset=t.offset,
                        sparse=t.sparse, decayed=t.matrix and not t.sparse) for t in tensors]


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def write_fixtures(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    tensors, count = tensors_of(MODEL)
    inputs = make_inputs(tensors, count)
    init, grads, gscale, lrs, spikes = inputs
    meta = {"generator": "tools/spam_reference.py"}
    save_file(OrderedDict([
        ("initial", torch.tensor(init)),
        ("grad", torch.tensor(grads)),
        ("gradient_scale", torch.tensor(gscale)),
    ]), os.path.join(out_dir, "inputs.safetensors"), metadata=meta)
    write_json(os.path.join(out_dir, "inputs.json"), OrderedDict(
        model=MODEL, seed=SEED, steps=STEPS, parameterCount=count, tensors=tensor_table(tensors),
        lrs=lrs, spikes=[[n, j] for n, j in spikes], zeroRows=[list(z) for z in ZERO_ROWS],
        cases=list(CASES), generator="tools/spam_reference.py", torchVersion=torch.__version__,
    ))
    for name in CASES:
        settings, out = run_case(name, inputs, tensors, count)
        save_file(case_tensors(out), os.path.join(out_dir, f"{name}.safetensors"), metadata=meta)
        clipped = np.array(out["clipped"])
        write_json(os.path.join(out_dir, f"{name}.json"), OrderedDict(
            case=name, steps=CASES[name]["steps"], optimizer=settings,
            clippedTotal=int(clipped.sum()), clippedSteps=int((clipped.sum(axis=1) > 0).sum()),
            maskDraws=len(out["mask"]), generator="tools/spam_reference.py",
        ))
        print(f"{name}: {CASES[name]['steps']} steps, {int(clipped.sum())} clipped coordinates, "
              f"{len(out['mask'])} mask draws")


# --------------------------------------------------------------------------------------
# Self-checks
# --------------------------------------------------------------------------------------


def literal_run(name, inputs, tensors, count):
    """spam-reference.md read line by line, one coordinate at a time, in Python floats
    (float64): an independent control flow for the torch version to agree with."""
    spec = CASES[name]
    st = case_settings(spec)
    sp = st["spam"]
    theta, dT, N, A, dens = sp["theta"], sp["resetInterval"], sp["warmupSteps"], sp["clippingHoldOff"], sp["density"]
    init, grads, gscale, lrs, _ = inputs
    p = [float(x) for x in init]
    m, v = [0.0] * count, [0.0] * count
    masks = {}
    for t in tensors:
        if t.sparse:
            keep = set(RandomGenerator.stream(SEED, f"spam.mask.0.{t.name}").permutation(t.count)[:int(dens * t.count)])
            masks[t.name] = [i in keep for i in range(t.count)]
    k, c = 0, N + 1
    params, moments1, moments2 = [], [], []
    for n in range(1, spec["steps"] + 1):
        s = 1 - 0.99 * (1 + math.cos(math.pi * c / (N + 1))) / 2 if c < N else 1.0
        k += 1
        lr = lrs[n - 1]
        if sp["biasCorrection"]:
            alpha = lr * math.sqrt(1 - st["beta2"] ** k) / (1 - st["beta1"] ** k)
        else:
            alpha = lr
        for t in tensors:
            for i in range(t.count):
                j = t.offset + i
                if t.sparse and not masks[t.name][i]:
                    continue
                g = float(grads[n - 1, j]) * float(gscale[n - 1])
                if n % dT == 0:
                    m[j] = v[j] = 0.0
                if theta != 0 and n >= A and n % dT >= A and g * g > theta * v[j]:
                    g = math.copysign(math.sqrt(theta * v[j]), g)
                m[j] = st["beta1"] * m[j] + (1 - st["beta1"]) * g
                v[j] = st["beta2"] * v[j] + (1 - st["beta2"]) * g * g
                p[j] -= alpha * s * m[j] / (math.sqrt(v[j]) + st["eps"])
                if t.matrix and not t.sparse:
                    p[j] -= lr * st["weightDecay"] * p[j]
        c += 1
        if (n + 1) % dT == 0:
            for t in tensors:
                if t.sparse:
                    rng = RandomGenerator.stream(SEED, f"spam.mask.{(n + 1) // dT}.{t.name}")
                    new = [rng.uniform() < dens for _ in range(t.count)]
                    for i in range(t.count):
                        if not (new[i] and masks[t.name][i]):
                            m[t.offset + i] = v[t.offset + i] = 0.0
                    masks[t.name] = new
            c = 0
        params.append(list(p))
        moments1.append(list(m))
        moments2.append(list(v))
    return np.array(params), np.array(moments1), np.array(moments2)


def norm_rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else float(np.linalg.norm(a))


def worst_step_error(a, b, tensors):
    """Largest per-step, per-tensor ||a - b|| / ||b|| (the Swift test's measure)."""
    worst = 0.0
    for t in tensors:
        for n in range(a.shape[0]):
            worst = max(worst, norm_rel(a[n, t.slice], b[n, t.slice]))
    return worst


def self_check():
    failures = []

    def report(label, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {label} {detail}")
        if not ok:
            failures.append(label)

    # The generator against outputs printed by the Swift RandomGenerator.
    for (seed, name), expected in SWIFT_KNOWN_ANSWERS:
        rng = RandomGenerator(seed) if name is None else RandomGenerator.stream(seed, name)
        report(f"RandomGenerator({seed}, {name!r}).next() matches Swift",
               [rng.next() for _ in range(len(expected))] == expected)
    (seed, name), perm, uniform, normal = SWIFT_KNOWN_DRAWS
    rng = RandomGenerator.stream(seed, name)
    report("permutation, uniform, normal match Swift",
           (rng.permutation(len(perm)), rng.uniform(), rng.normal()) == (perm, uniform, normal))

    tensors, count = tensors_of(MODEL)
    inputs = make_inputs(tensors, count)
    for name in CASES:
        settings, out32 = run_case(name, inputs, tensors, count)
        _, out64 = run_case(name, inputs, tensors, count, dtype=torch.float64)
        p64 = torch.stack(out64["param"]).numpy()
        m64 = torch.stack(out64["exp_avg"]).numpy()
        v64 = torch.stack(out64["exp_avg_sq"]).numpy()
        lp, lm, lv = literal_run(name, inputs, tensors, count)
        err = max(worst_step_error(lp, p64, tensors), worst_step_error(lm, m64, tensors),
                  worst_step_error(lv, v64, tensors))
        report(f"{name}: torch float64 == literal per-coordinate float64", err < 1e-12, f"(worst {err:.2e})")
        gap = [worst_step_error(torch.stack(out32[q]).numpy(), torch.stack(out64[q]).numpy(), tensors)
               for q in ("param", "exp_avg", "exp_avg_sq")]
        same_clips = out32["clipped"] == out64["clipped"]
        report(f"{name}: float32 vs float64 (param, m, v worst per-step per-tensor norm-wise)",
               same_clips and max(gap) < 1e-4, f"({gap[0]:.1e}, {gap[1]:.1e}, {gap[2]:.1e}; same clipping: {same_clips})")
        # Invariants the fixture is meant to exercise.
        sp = settings["spam"]
        clipped = np.array(out32["clipped"])
        steps = np.arange(1, clipped.shape[0] + 1)
        held = (steps < sp["clippingHoldOff"]) | (steps % sp["resetInterval"] < sp["clippingHoldOff"])
        report(f"{name}: no clipping inside hold-offs", clipped[held].sum() == 0)
        first_clipping = [n for n in (sp["clippingHoldOff"], sp["resetInterval"] + sp["clippingHoldOff"]) if n <= len(steps)]
        report(f"{name}: the first call after each of the first two hold-offs clips", sp["theta"] == 0
               or all(clipped[n - 1].sum() > 0 for n in first_clipping), f"(calls {first_clipping})")
        if sp["theta"] != 0:
            report(f"{name}: clipping happens", clipped.sum() > 0, f"({int(clipped.sum())} coordinates)")
        masks = torch.stack(out32["mask"]).numpy()
        for t in tensors:
            if t.sparse:
                ok = masks[0, t.slice].sum() == int(sp["density"] * t.count)
                report(f"{name}: first mask of {t.name} has floor(density * numel) entries", ok)
        m32 = torch.stack(out32["exp_avg"]).numpy()
        v32 = torch.stack(out32["exp_avg_sq"]).numpy()
        # The mask in effect after step n is the last one drawn after a step <= n.
        outside = masks[np.searchsorted(out32["mask_drawn_after"], steps, side="right") - 1] == 0
        report(f"{name}: moments are 0 outside the mask", np.all(m32[outside] == 0) and np.all(v32[outside] == 0),
               f"({int(outside.sum())} coordinate-steps outside)")
        # A row that was zero since its interval began has v = 0 when it resumes: past the
        # hold-off its gradient is clipped to 0 (m stays 0) until the next reset; otherwise it moves.
        by_name = {t.name: t for t in tensors}
        dT, A = sp["resetInterval"], sp["clippingHoldOff"]
        held_zero = 0
        for tname, row, first, last in ZERO_ROWS:
            resume = last + 1
            if resume > len(steps):
                continue
            t = by_name[tname]
            width = t.shape[1] if t.matrix else 1
            start = max(1, resume // dT * dT)
            clipped_to_zero = first <= start and sp["theta"] != 0 and resume >= A and resume % dT >= A
            until = min(len(steps), (resume // dT + 1) * dT - 1) if clipped_to_zero else resume
            mask_now = masks[np.searchsorted(out32["mask_drawn_after"], resume - 1, side="right") - 1]
            cols = [t.offset + row * width + i for i in range(width) if mask_now[t.offset + row * width + i]]
            window = m32[resume - 1:until][:, cols]
            ok = np.all(window == 0) if clipped_to_zero else np.all(window != 0)
            held_zero += bool(clipped_to_zero and cols)
            report(f"{name}: {tname} row {row} resuming at {resume} "
                   f"{'is held at 0 to ' + str(until) if clipped_to_zero else 'moves'}", ok)
        report(f"{name}: some zero rows are clipped to 0 on resuming", held_zero > 0 or sp["theta"] == 0)
    # Byte-identical output.
    tensors, count = tensors_of(MODEL)
    blobs = []
    for _ in range(2):
        _, out = run_case("density025", make_inputs(tensors, count), tensors, count)
        blobs.append(save(case_tensors(out)))
    report("two runs give identical bytes", blobs[0] == blobs[1])
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="Tests/Fixtures/spam")
    ap.add_argument("--check", action="store_true", help="run the self-checks only")
    args = ap.parse_args()
    if args.check:
        self_check()
    else:
        write_fixtures(args.out)


if __name__ == "__main__":
    main()
