#!/usr/bin/env python3
"""Independent PyTorch reference for SpikeLab's tiny Llama-style model.

This script is the ground truth the Swift tests in Tests/SpikeModelTests compare
against (in the spirit of llm.c's test_gpt2): it builds tiny models with its own
code (plain torch ops, no `transformers`), runs one forward/backward pass and ten
AdamW steps on a fixed batch, and writes the results as committed fixtures.

    python tools/reference_llama.py --out Tests/Fixtures   # = make fixtures
    python tools/reference_llama.py --check                               # self-checks only

Everything that lands in a fixture is computed in float32 on the CPU with one
thread, from fixed seeds, so two runs give byte-identical files. CI never runs
this; the outputs are committed.

Model (Hugging Face Llama layout; Linear weights are [out, in], y = x W^T, no biases):
  x = E[tokens] (* embeddingMultiplier when set, else * sqrt(d) if embeddingScale)
  per layer: h = rmsnorm(x) * input_layernorm.weight
             q, k, v = h Wq^T, h Wk^T, h Wv^T  -> [B, T, nHeads, hd], hd = d / nHeads
             RoPE (HF style): inv_freq[i] = theta^(-2i/hd), i < hd/2; ang = pos * inv_freq,
               cos/sin = cat(ang, ang); rotate_half(x) = cat(-x[hd/2:], x[:hd/2]);
               q' = q cos + rotate_half(q) sin (same for k), pos = 0..T-1
             x = x + (softmax(q' k'^T / sqrt(hd) + causal mask) v) Wo^T
             h2 = rmsnorm(x) * post_attention_layernorm.weight
             swiglu: x = x + (silu(h2 Wg^T) * (h2 Wu^T)) Wd^T
             gelu:   x = x + gelu_erf(h2 Wu^T) Wd^T
  logits = (rmsnorm(x) * model.norm.weight) W_lm^T   (W_lm = E when tiedEmbeddings)
  rmsnorm(x) = x / sqrt(mean(x^2) + normEps)
  loss = mean CE(logits, targets) + zLoss * mean(logsumexp(logits)^2), all positions count.

Training: torch.optim.AdamW (foreach=False), weight decay only on 2-D parameters,
clip_grad_norm_(params, clipNorm) before every update, linear warmup then cosine
to minLR (see lr_at). The same batch is used for every step.

Fixture format (per name, e.g. `swiglu`):
  <name>.safetensors  F32/I32 tensors:
      <hf param name>           initial parameters
      batch.inputs, batch.targets   I32 [B, T]
      expected.logits           F32 [B, T, V] at the initial parameters
      grad.<hf param name>      gradient of the loss at the initial parameters (unclipped)
      after.<hf param name>     parameters after totalSteps AdamW updates
  <name>.json  {"config", "train", "batchSize", "loss", "stepLosses", "stepGradNorms",
                "stepLRs", "clippedSteps", "generator", "torchVersion", ...}
"""

import argparse
import json
import math
import os
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

# --------------------------------------------------------------------------------------
# Fixture definitions
# --------------------------------------------------------------------------------------

TRAIN = OrderedDict(
    maxLR=1e-2,
    minLR=1e-3,
    warmupSteps=3,
    totalSteps=10,
    beta1=0.9,
    beta2=0.95,
    eps=1e-8,
    weightDecay=0.1,
    clipNorm=2.0,
)

FIXTURES = OrderedDict(
    swiglu=dict(
        seed=1234,
        batchSize=2,
        config=OrderedDict(
            vocabSize=50, dModel=16, nLayers=2, nHeads=2, contextLength=16,
            mlpKind="swiglu", mlpHidden=40, normEps=1e-5, ropeTheta=10000.0,
            tiedEmbeddings=True, embeddingScale=False, zLoss=1e-3,
        ),
    ),
    gelu=dict(
        seed=5678,
        batchSize=2,
        config=OrderedDict(
            vocabSize=50, dModel=16, nLayers=2, nHeads=4, contextLength=16,
            mlpKind="gelu", mlpHidden=64, normEps=1e-5, ropeTheta=10000.0,
            tiedEmbeddings=True, embeddingScale=False, zLoss=1e-3,
        ),
    ),
    swiglu_untied_scaled=dict(
        seed=91011,
        batchSize=2,
        config=OrderedDict(
            vocabSize=50, dModel=16, nLayers=2, nHeads=2, contextLength=16,
            mlpKind="swiglu", mlpHidden=40, normEps=1e-6, ropeTheta=500000.0,
            tiedEmbeddings=False, embeddingScale=True, zLoss=1e-4,
        ),
        train=dict(clipNorm=1.5),  # overrides of TRAIN for this fixture
    ),
)

# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


def param_shapes(cfg):
    """HF Llama parameter names and shapes, in canonical order."""
    V, d, H = cfg["vocabSize"], cfg["dModel"], cfg["mlpHidden"]
    shapes = OrderedDict()
    shapes["model.embed_tokens.weight"] = (V, d)
    for i in range(cfg["nLayers"]):
        p = f"model.layers.{i}."
        shapes[p + "input_layernorm.weight"] = (d,)
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            shapes[p + f"self_attn.{n}.weight"] = (d, d)
        shapes[p + "post_attention_layernorm.weight"] = (d,)
        if cfg["mlpKind"] == "swiglu":
            shapes[p + "mlp.gate_proj.weight"] = (H, d)
            shapes[p + "mlp.up_proj.weight"] = (H, d)
            shapes[p + "mlp.down_proj.weight"] = (d, H)
        elif cfg["mlpKind"] == "gelu":
            shapes[p + "mlp.up_proj.weight"] = (H, d)
            shapes[p + "mlp.down_proj.weight"] = (d, H)
        else:
            raise ValueError(cfg["mlpKind"])
    shapes["model.norm.weight"] = (d,)
    if not cfg["tiedEmbeddings"]:
        shapes["lm_head.weight"] = (V, d)
    return shapes


def init_params(cfg, gen, dtype=torch.float32):
    """Embeddings / lm_head ~ N(0, 1/d); projections ~ N(0, 1/fan_in);
    norm weights = 1 + 0.1 N(0, 1) (deliberately not ones)."""
    d = cfg["dModel"]
    out = OrderedDict()
    for name, shape in param_shapes(cfg).items():
        z = torch.randn(shape, generator=gen, dtype=torch.float32)
        if len(shape) == 1:
            t = 1.0 + 0.1 * z
        elif name in ("model.embed_tokens.weight", "lm_head.weight"):
            t = z / math.sqrt(d)
        else:
            t = z / math.sqrt(shape[1])
        out[name] = t.to(dtype).contiguous()
    return out


# --------------------------------------------------------------------------------------
# Model (functional, parameters passed as a dict)
# --------------------------------------------------------------------------------------


def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * w


def rope_cos_sin(T, hd, theta, dtype):
    # Angles in float64, cast once: the only ambiguity-free way to write them down.
    inv_freq = theta ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)  # [hd/2]
    pos = torch.arange(T, dtype=torch.float64)
    freqs = torch.outer(pos, inv_freq)  # [T, hd/2]
    emb = torch.cat([freqs, freqs], dim=-1)  # [T, hd]
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def apply_rope(x, cos, sin):
    # x: [B, nH, T, hd]; cos/sin: [T, hd]
    return x * cos + rotate_half(x) * sin


def forward(params, cfg, tokens):
    B, T = tokens.shape
    d, nH = cfg["dModel"], cfg["nHeads"]
    hd = d // nH
    eps = cfg["normEps"]
    E = params["model.embed_tokens.weight"]
    dtype = E.dtype
    x = E[tokens.long()]
    if cfg.get("embeddingMultiplier") is not None:  # overrides embeddingScale, as in ModelConfig
        x = x * cfg["embeddingMultiplier"]
    elif cfg["embeddingScale"]:
        x = x * math.sqrt(d)
    cos, sin = rope_cos_sin(T, hd, cfg["ropeTheta"], dtype)
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    for i in range(cfg["nLayers"]):
        p = f"model.layers.{i}."
        h = rmsnorm(x, params[p + "input_layernorm.weight"], eps)
        q = (h @ params[p + "self_attn.q_proj.weight"].T).view(B, T, nH, hd).transpose(1, 2)
        k = (h @ params[p + "self_attn.k_proj.weight"].T).view(B, T, nH, hd).transpose(1, 2)
        v = (h @ params[p + "self_attn.v_proj.weight"].T).view(B, T, nH, hd).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        att = att.masked_fill(~causal, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, d)
        x = x + y @ params[p + "self_attn.o_proj.weight"].T
        h2 = rmsnorm(x, params[p + "post_attention_layernorm.weight"], eps)
        if cfg["mlpKind"] == "swiglu":
            g = h2 @ params[p + "mlp.gate_proj.weight"].T
            u = h2 @ params[p + "mlp.up_proj.weight"].T
            m = F.silu(g) * u
        else:
            m = F.gelu(h2 @ params[p + "mlp.up_proj.weight"].T)  # exact erf GELU
        x = x + m @ params[p + "mlp.down_proj.weight"].T
    hf = rmsnorm(x, params["model.norm.weight"], eps)
    W = E if cfg["tiedEmbeddings"] else params["lm_head.weight"]
    return hf @ W.T


def loss_from_logits(logits, targets, zloss):
    V = logits.shape[-1]
    flat = logits.reshape(-1, V)
    ce = F.cross_entropy(flat, targets.reshape(-1).long())
    if zloss:
        ce = ce + zloss * torch.logsumexp(flat, dim=-1).pow(2).mean()
    return ce


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------


def lr_at(s, tr):
    if s < tr["warmupSteps"]:
        return tr["maxLR"] * (s + 1) / tr["warmupSteps"]
    progress = (s - tr["warmupSteps"]) / max(1, tr["totalSteps"] - tr["warmupSteps"])
    return tr["minLR"] + 0.5 * (tr["maxLR"] - tr["minLR"]) * (1 + math.cos(math.pi * progress))


def train(init, cfg, tr, inputs, targets):
    params = OrderedDict((n, t.clone().requires_grad_(True)) for n, t in init.items())
    decay = [t for t in params.values() if t.dim() == 2]
    no_decay = [t for t in params.values() if t.dim() != 2]
    opt = torch.optim.AdamW(
        [dict(params=decay, weight_decay=tr["weightDecay"]), dict(params=no_decay, weight_decay=0.0)],
        lr=tr["maxLR"], betas=(tr["beta1"], tr["beta2"]), eps=tr["eps"], foreach=False,
    )
    losses, norms, lrs, clipped = [], [], [], []
    for s in range(tr["totalSteps"]):
        lr = lr_at(s, tr)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        loss = loss_from_logits(forward(params, cfg, inputs), targets, cfg["zLoss"])
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(list(params.values()), tr["clipNorm"], foreach=False)
        losses.append(float(loss.item()))
        norms.append(float(norm.item()))
        lrs.append(lr)
        if norm.item() > tr["clipNorm"]:
            clipped.append(s)
        opt.step()
    after = OrderedDict((n, t.detach().clone()) for n, t in params.items())
    return after, losses, norms, lrs, clipped


# --------------------------------------------------------------------------------------
# Fixture generation
# --------------------------------------------------------------------------------------


def train_settings(spec):
    tr = OrderedDict(TRAIN)
    tr.update(spec.get("train", {}))
    return tr


# Every step's gradient norm must be at least this far (relative) from clipNorm, so that
# which steps clip does not hinge on float32 rounding in the implementation under test.
CLIP_MARGIN = 0.02


def make_fixture(spec, dtype=torch.float32):
    cfg = spec["config"]
    tr = train_settings(spec)
    gen = torch.Generator().manual_seed(spec["seed"])
    init = init_params(cfg, gen, dtype)
    B, T, V = spec["batchSize"], cfg["contextLength"], cfg["vocabSize"]
    inputs = torch.randint(0, V, (B, T), generator=gen, dtype=torch.int64).to(torch.int32)
    targets = torch.randint(0, V, (B, T), generator=gen, dtype=torch.int64).to(torch.int32)

    params = OrderedDict((n, t.clone().requires_grad_(True)) for n, t in init.items())
    logits = forward(params, cfg, inputs)
    loss = loss_from_logits(logits, targets, cfg["zLoss"])
    loss.backward()
    grads = OrderedDict((n, t.grad.detach().clone()) for n, t in params.items())

    after, losses, norms, lrs, clipped = train(init, cfg, tr, inputs, targets)
    return dict(init=init, inputs=inputs, targets=targets, logits=logits.detach(),
                loss=float(loss.item()), grads=grads, after=after, losses=losses,
                norms=norms, lrs=lrs, clipped=clipped)


def write_fixture(out_dir, name, spec):
    r = make_fixture(spec)
    tr = train_settings(spec)
    for s, nrm in enumerate(r["norms"]):
        if abs(nrm - tr["clipNorm"]) < CLIP_MARGIN * tr["clipNorm"]:
            raise SystemExit(f"{name}: step {s} grad norm {nrm} too close to clipNorm {tr['clipNorm']}")
    if not r["clipped"] or len(r["clipped"]) == tr["totalSteps"]:
        raise SystemExit(f"{name}: want some clipped and some unclipped steps, got {r['clipped']}")
    tensors = OrderedDict()
    for n, t in r["init"].items():
        tensors[n] = t
    tensors["batch.inputs"] = r["inputs"]
    tensors["batch.targets"] = r["targets"]
    tensors["expected.logits"] = r["logits"]
    for n, t in r["grads"].items():
        tensors["grad." + n] = t
    for n, t in r["after"].items():
        tensors["after." + n] = t
    for n, t in tensors.items():
        assert t.dtype in (torch.float32, torch.int32), (n, t.dtype)
        tensors[n] = t.contiguous()
    st_path = os.path.join(out_dir, name + ".safetensors")
    # One metadata key only: safetensors keeps metadata in a hash map, so with two keys their
    # order in the header (and thus the file bytes) changes from run to run.
    save_file(dict(tensors), st_path, metadata={"generator": "tools/reference_llama.py"})

    meta = OrderedDict()
    meta["config"] = spec["config"]
    meta["train"] = tr
    meta["batchSize"] = spec["batchSize"]
    meta["seed"] = spec["seed"]
    meta["loss"] = r["loss"]
    meta["stepLosses"] = r["losses"]
    meta["stepGradNorms"] = r["norms"]
    meta["stepLRs"] = r["lrs"]
    meta["clippedSteps"] = r["clipped"]
    meta["generator"] = "tools/reference_llama.py"
    meta["torchVersion"] = torch.__version__.split("+")[0]
    js_path = os.path.join(out_dir, name + ".json")
    with open(js_path, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"{name}: loss={r['loss']!r} clipped={r['clipped']} "
          f"norms={[round(x, 4) for x in r['norms']]} "
          f"sizes={os.path.getsize(st_path)}B/{os.path.getsize(js_path)}B")


# --------------------------------------------------------------------------------------
# Self-checks (not part of fixture generation)
# --------------------------------------------------------------------------------------


def naive_forward(params, cfg, tokens):
    """Loop-by-loop float64 numpy forward written straight from the spec, sharing no code
    with `forward` (RoPE as explicit pair rotations (j, j + hd/2))."""
    P = {n: t.detach().double().numpy() for n, t in params.items()}
    toks = tokens.numpy()
    B, T = toks.shape
    d, nH, eps = cfg["dModel"], cfg["nHeads"], cfg["normEps"]
    hd = d // nH
    half = hd // 2

    def norm(vec, w):
        return vec / math.sqrt(sum(float(a) * a for a in vec) / len(vec) + eps) * w

    def rot(vec, pos):
        outv = vec.copy()
        for j in range(half):
            ang = pos * cfg["ropeTheta"] ** (-2.0 * j / hd)
            a, b = vec[j], vec[j + half]
            outv[j] = a * math.cos(ang) - b * math.sin(ang)
            outv[j + half] = b * math.cos(ang) + a * math.sin(ang)
        return outv

    logits = np.zeros((B, T, cfg["vocabSize"]))
    for bi in range(B):
        xs = [P["model.embed_tokens.weight"][toks[bi, t]].copy() for t in range(T)]
        if cfg["embeddingScale"]:
            xs = [x * math.sqrt(d) for x in xs]
        for i in range(cfg["nLayers"]):
            p = f"model.layers.{i}."
            hs = [norm(x, P[p + "input_layernorm.weight"]) for x in xs]
            q = [P[p + "self_attn.q_proj.weight"] @ h for h in hs]
            k = [P[p + "self_attn.k_proj.weight"] @ h for h in hs]
            v = [P[p + "self_attn.v_proj.weight"] @ h for h in hs]
            ys = []
            for t in range(T):
                y = np.zeros(d)
                for hh in range(nH):
                    sl = slice(hh * hd, (hh + 1) * hd)
                    qt = rot(q[t][sl], t)
                    scores = [float(qt @ rot(k[s][sl], s)) / math.sqrt(hd) for s in range(t + 1)]
                    mx = max(scores)
                    ex = [math.exp(sc - mx) for sc in scores]
                    z = sum(ex)
                    for s in range(t + 1):
                        y[sl] += ex[s] / z * v[s][sl]
                ys.append(y)
            xs = [x + P[p + "self_attn.o_proj.weight"] @ y for x, y in zip(xs, ys)]
            new = []
            for x in xs:
                h2 = norm(x, P[p + "post_attention_layernorm.weight"])
                if cfg["mlpKind"] == "swiglu":
                    g = P[p + "mlp.gate_proj.weight"] @ h2
                    u = P[p + "mlp.up_proj.weight"] @ h2
                    m = g / (1 + np.exp(-g)) * u
                else:
                    u = P[p + "mlp.up_proj.weight"] @ h2
                    m = np.array([0.5 * a * (1 + math.erf(a / math.sqrt(2))) for a in u])
                new.append(x + P[p + "mlp.down_proj.weight"] @ m)
            xs = new
        W = P["model.embed_tokens.weight"] if cfg["tiedEmbeddings"] else P["lm_head.weight"]
        for t in range(T):
            logits[bi, t] = W @ norm(xs[t], P["model.norm.weight"])
    return logits


def naive_train(init, cfg, tr, inputs, targets):
    """float64 AdamW + clipping written out by hand (autograd only for gradients)."""
    params = OrderedDict((n, t.detach().double().clone().requires_grad_(True)) for n, t in init.items())
    m = {n: torch.zeros_like(t) for n, t in params.items()}
    v = {n: torch.zeros_like(t) for n, t in params.items()}
    losses, norms = [], []
    for s in range(tr["totalSteps"]):
        lr = lr_at(s, tr)
        for t in params.values():
            t.grad = None
        loss = loss_from_logits(forward(params, cfg, inputs), targets, cfg["zLoss"])
        loss.backward()
        norm = math.sqrt(sum(float((t.grad ** 2).sum()) for t in params.values()))
        scale = min(1.0, tr["clipNorm"] / (norm + 1e-6))
        losses.append(loss.item())
        norms.append(norm)
        step = s + 1
        with torch.no_grad():
            for n, p in params.items():
                g = p.grad * scale
                wd = tr["weightDecay"] if p.dim() == 2 else 0.0
                p.mul_(1 - lr * wd)
                m[n] = tr["beta1"] * m[n] + (1 - tr["beta1"]) * g
                v[n] = tr["beta2"] * v[n] + (1 - tr["beta2"]) * g * g
                mhat = m[n] / (1 - tr["beta1"] ** step)
                denom = (v[n] / (1 - tr["beta2"] ** step)).sqrt() + tr["eps"]
                p.sub_(lr * mhat / denom)
    return OrderedDict((n, t.detach()) for n, t in params.items()), losses, norms


def maxrel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-30, float(np.max(np.abs(b)))))


def self_check():
    ok = True

    def report(label, err, tol):
        nonlocal ok
        good = err <= tol
        ok = ok and good
        print(f"  [{'ok' if good else 'FAIL'}] {label}: {err:.3e} (tol {tol:.0e})")

    # 1. gradcheck in float64 on tiny configs, every mlp/tied/scale combination.
    print("gradcheck (float64, tiny configs):")
    for kind in ("swiglu", "gelu"):
        for tied, scale in ((True, False), (False, True)):
            cfg = dict(vocabSize=11, dModel=8, nLayers=2, nHeads=2, contextLength=5,
                       mlpKind=kind, mlpHidden=12, normEps=1e-5, ropeTheta=10000.0,
                       tiedEmbeddings=tied, embeddingScale=scale, zLoss=1e-2)
            gen = torch.Generator().manual_seed(7)
            init = init_params(cfg, gen, torch.float64)
            inp = torch.randint(0, 11, (2, 5), generator=gen)
            tgt = torch.randint(0, 11, (2, 5), generator=gen)
            names = list(init.keys())
            leaves = tuple(t.clone().requires_grad_(True) for t in init.values())

            def f(*ts):
                return loss_from_logits(forward(dict(zip(names, ts)), cfg, inp), tgt, cfg["zLoss"])

            passed = torch.autograd.gradcheck(f, leaves, eps=1e-6, atol=1e-7, rtol=1e-5)
            ok = ok and passed
            print(f"  [{'ok' if passed else 'FAIL'}] {kind} tied={tied} scale={scale}")

    # 2. forward vs an independent loop implementation, and vs torch built-ins.
    print("forward vs naive float64 loops / torch built-ins:")
    for name, spec in FIXTURES.items():
        cfg = spec["config"]
        r64 = make_fixture(spec, torch.float64)
        init64 = OrderedDict((n, t.double()) for n, t in r64["init"].items())
        naive = naive_forward(init64, cfg, r64["inputs"])
        report(f"{name} torch64 vs naive64 logits", maxrel(r64["logits"].numpy(), naive), 1e-12)

        # built-in rms_norm and SDPA (HF-style rotate_half) as another cross-check of one layer
        x = torch.randn(2, 16, cfg["dModel"], dtype=torch.float64)
        w = init64["model.layers.0.input_layernorm.weight"]
        report(f"{name} rmsnorm vs F.rms_norm",
               maxrel(rmsnorm(x, w, cfg["normEps"]).numpy(),
                      F.rms_norm(x, (cfg["dModel"],), w, cfg["normEps"]).numpy()), 1e-14)
        hd = cfg["dModel"] // cfg["nHeads"]
        q, k, v = (torch.randn(2, cfg["nHeads"], 16, hd, dtype=torch.float64) for _ in range(3))
        cos, sin = rope_cos_sin(16, hd, cfg["ropeTheta"], torch.float64)
        qr, kr = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        mine = ((qr @ kr.transpose(-1, -2)) / math.sqrt(hd)).masked_fill(
            ~torch.ones(16, 16, dtype=torch.bool).tril(), float("-inf")).softmax(-1) @ v
        report(f"{name} attention vs F.scaled_dot_product_attention",
               maxrel(mine.numpy(), F.scaled_dot_product_attention(qr, kr, v, is_causal=True).numpy()), 1e-13)
        # RoPE against the complex-number form on (j, j + hd/2) pairs
        zc = torch.complex(q[..., : hd // 2], q[..., hd // 2:])
        ang = torch.outer(torch.arange(16, dtype=torch.float64),
                          cfg["ropeTheta"] ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        zr = zc * torch.polar(torch.ones_like(ang), ang)
        report(f"{name} rope vs complex rotation",
               maxrel(qr.numpy(), torch.cat([zr.real, zr.imag], -1).numpy()), 1e-14)

        # 3. float32 fixture values vs float64 (how tight the Swift tolerances can be).
        r32 = make_fixture(spec, torch.float32)
        print(f"  {name} float32 vs float64: logits {maxrel(r32['logits'], r64['logits']):.2e}, "
              f"loss {abs(r32['loss'] - r64['loss']) / r64['loss']:.2e}, grads "
              f"{max(maxrel(r32['grads'][n], r64['grads'][n]) for n in r64['grads']):.2e}, "
              f"after {max(maxrel(r32['after'][n], r64['after'][n]) for n in r64['after']):.2e}, "
              f"clipped32 {r32['clipped']} clipped64 {r64['clipped']}")

        # 4. torch.optim.AdamW + clip_grad_norm_ vs a hand-written float64 version.
        after_n, losses_n, norms_n = naive_train(init64, cfg, train_settings(spec), r64["inputs"], r64["targets"])
        report(f"{name} AdamW/clip torch64 vs hand-written64 (params after)",
               max(maxrel(r64["after"][n], after_n[n]) for n in after_n), 1e-12)
        report(f"{name} step losses/norms torch64 vs hand-written64",
               max(maxrel(r64["losses"], losses_n), maxrel(r64["norms"], norms_n)), 1e-12)
    print("self-check:", "PASSED" if ok else "FAILED")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="Tests/Fixtures", help="output directory")
    ap.add_argument("--check", action="store_true", help="run self-checks instead of writing fixtures")
    args = ap.parse_args()
    if args.check:
        sys.exit(0 if self_check() else 1)
    os.makedirs(args.out, exist_ok=True)
    for name, spec in FIXTURES.items():
        write_fixture(args.out, name, spec)


if __name__ == "__main__":
    main()
