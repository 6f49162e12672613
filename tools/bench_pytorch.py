#!/usr/bin/env python3
"""PyTorch comparator for `spikelab-bench --pytorch`: times the same training step in PyTorch.

An independent fp32 PyTorch model of SpikeLab's Llama-style architecture (tools/reference_llama.py
documents it; `--check` verifies this model against that reference's forward pass), written the
way a careful PyTorch user would: fused q|k|v and gate|up projections (the same row order as
SpikeLab's parameter layout), F.rms_norm, HF-style RoPE, F.scaled_dot_product_attention(is_causal),
tied LM head, mean cross-entropy. One training step is zero_grad + forward + loss + backward +
clip_grad_norm_(1.0) + AdamW (fused=True where this torch supports it on the CPU, else foreach),
with weight decay 0.1 on 2-D tensors only, betas (0.9, 0.95), eps 1e-8 -- the settings
spikelab-bench uses. Random tokens; warm-up steps excluded; the median over --steps is reported.

FLOPs/step = (6 * N_matmul + 12 * L * T * d) * B * T, N_matmul = L (4 d^2 + k d h) + V d
(k = 3 swiglu, 2 gelu): the same formula as Sources/spikelab-bench/main.swift.

Output: JSON lines on stdout (progress goes to stderr):
  {"type": "env", "torch": ..., "threads": ...}
  {"type": "result", "config": "A", "mode": "eager"|"compile", "ms_per_step", "tokens_per_s", "gflops",
   "params", "flops_per_token", "peak_rss_mib", "optimizer", "step_ms": [...]}  (or "error": "...")
  {"type": "unavailable", "message": ...}   when torch cannot be imported (exit status 0)

    python tools/bench_pytorch.py --configs A,B,C --steps 10 [--compile] [--threads 2]
    python tools/bench_pytorch.py --check      # compares the model with reference_llama.forward
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

CONFIGS = {
    # name: (vocab, d, layers, heads, context, batch, mlp kind)
    "A": dict(vocabSize=4096, dModel=128, nLayers=4, nHeads=4, contextLength=128, batch=16, mlpKind="gelu"),
    "B": dict(vocabSize=4096, dModel=128, nLayers=4, nHeads=4, contextLength=128, batch=16, mlpKind="swiglu"),
    "C": dict(vocabSize=8192, dModel=256, nLayers=6, nHeads=4, contextLength=256, batch=8, mlpKind="swiglu"),
}

TRAIN = dict(maxLR=1e-3, minLR=1e-4, warmupSteps=10, totalSteps=1000, beta1=0.9, beta2=0.95, eps=1e-8,
             weightDecay=0.1, clipNorm=1.0)


def default_hidden(kind, d):
    # SpikeLab's ModelConfig.defaultHidden: 4d for gelu, 8d/3 rounded up to a multiple of 16 for swiglu.
    return 4 * d if kind == "gelu" else ((8 * d // 3) + 15) // 16 * 16


def with_defaults(cfg):
    cfg = dict(cfg)
    cfg.setdefault("mlpHidden", default_hidden(cfg["mlpKind"], cfg["dModel"]))
    cfg.setdefault("normEps", 1e-5)
    cfg.setdefault("ropeTheta", 10000.0)
    return cfg


def matmul_params(cfg):
    d, h, L, V = cfg["dModel"], cfg["mlpHidden"], cfg["nLayers"], cfg["vocabSize"]
    k = 3 if cfg["mlpKind"] == "swiglu" else 2
    return L * (4 * d * d + k * d * h) + V * d


def flops_per_token(cfg):
    return 6 * matmul_params(cfg) + 12 * cfg["nLayers"] * cfg["contextLength"] * cfg["dModel"]


def emit(obj):
    print(json.dumps(obj), flush=True)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def lr_at(s, tr):
    if s < tr["warmupSteps"]:
        return tr["maxLR"] * (s + 1) / tr["warmupSteps"]
    progress = min(1.0, (s - tr["warmupSteps"]) / max(1, tr["totalSteps"] - tr["warmupSteps"]))
    return tr["minLR"] + 0.5 * (tr["maxLR"] - tr["minLR"]) * (1 + math.cos(math.pi * progress))


# ---- process memory -------------------------------------------------------------------------


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_sample():
    """(machine busy CPU seconds from /proc/stat, this process's CPU seconds, wall time)."""
    try:
        with open("/proc/stat") as f:
            v = [float(x) for x in f.readline().split()[1:9]]
        busy = (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    t = os.times()
    return busy, t.user + t.system, time.perf_counter()


def foreign_load(a, b):
    """% of all cores used by other processes between two samples (a noise indicator)."""
    if a is None or b is None or b[2] <= a[2]:
        return None
    return max(0.0, 100 * ((b[0] - a[0]) - (b[1] - a[1])) / ((b[2] - a[2]) * os.cpu_count()))


# ---- model ----------------------------------------------------------------------------------


def build_model_class(torch):
    nn, F = torch.nn, torch.nn.functional

    def rmsnorm(x, w, eps):
        if hasattr(F, "rms_norm"):
            return F.rms_norm(x, (x.shape[-1],), w, eps)
        return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * w

    def rotate_half(x):
        h = x.shape[-1] // 2
        return torch.cat([-x[..., h:], x[..., :h]], dim=-1)

    class Block(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            d, h = cfg["dModel"], cfg["mlpHidden"]
            self.nH, self.hd, self.eps, self.kind = cfg["nHeads"], d // cfg["nHeads"], cfg["normEps"], cfg["mlpKind"]
            self.attn_norm = nn.Parameter(torch.ones(d))
            self.qkv = nn.Linear(d, 3 * d, bias=False)  # rows: q_proj | k_proj | v_proj
            self.o = nn.Linear(d, d, bias=False)
            self.mlp_norm = nn.Parameter(torch.ones(d))
            self.up = nn.Linear(d, 2 * h if self.kind == "swiglu" else h, bias=False)  # swiglu: gate | up
            self.down = nn.Linear(h, d, bias=False)

        def forward(self, x, cos, sin):
            B, T, d = x.shape
            q, k, v = self.qkv(rmsnorm(x, self.attn_norm, self.eps)).view(B, T, 3, self.nH, self.hd).permute(2, 0, 3, 1, 4)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.o(y.transpose(1, 2).reshape(B, T, d))
            u = self.up(rmsnorm(x, self.mlp_norm, self.eps))
            if self.kind == "swiglu":
                g, u = u.chunk(2, dim=-1)
                m = F.silu(g) * u
            else:
                m = F.gelu(u)  # exact (erf) GELU
            return x + self.down(m)

    class Llama(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.cfg = cfg
            d, hd = cfg["dModel"], cfg["dModel"] // cfg["nHeads"]
            self.embed = nn.Embedding(cfg["vocabSize"], d)
            self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["nLayers"]))
            self.norm = nn.Parameter(torch.ones(d))
            T = cfg["contextLength"]
            inv_freq = cfg["ropeTheta"] ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
            freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)
            emb = torch.cat([freqs, freqs], dim=-1)
            self.register_buffer("cos", emb.cos().float(), persistent=False)
            self.register_buffer("sin", emb.sin().float(), persistent=False)

        def logits(self, tokens):
            T = tokens.shape[1]
            cos, sin = self.cos[:T], self.sin[:T]
            x = self.embed(tokens)
            for block in self.blocks:
                x = block(x, cos, sin)
            return F.linear(rmsnorm(x, self.norm, self.cfg["normEps"]), self.embed.weight)  # tied LM head

        def forward(self, tokens, targets):
            logits = self.logits(tokens)
            return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))

    return Llama


def init_weights(torch, model, seed):
    # SpikeLab's InitScheme.default: every matrix ~ N(0, 0.02), norm gains = 1.
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.copy_(torch.randn(p.shape, generator=g) * 0.02)
            else:
                p.fill_(1.0)


def make_optimizer(torch, model):
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() != 2]
    groups = [dict(params=decay, weight_decay=TRAIN["weightDecay"]), dict(params=no_decay, weight_decay=0.0)]
    kw = dict(lr=TRAIN["maxLR"], betas=(TRAIN["beta1"], TRAIN["beta2"]), eps=TRAIN["eps"])
    for name, extra in (("fused", dict(fused=True)), ("foreach", dict(foreach=True)), ("for-loop", {})):
        try:
            opt = torch.optim.AdamW(groups, **kw, **extra)
            # Fused CPU support is checked at the first step in some versions: try one zero step.
            for p in model.parameters():
                p.grad = torch.zeros_like(p)
            saved = [p.detach().clone() for p in model.parameters()]
            opt.step()
            with torch.no_grad():
                for p, s in zip(model.parameters(), saved):
                    p.copy_(s)
            opt = torch.optim.AdamW(groups, **kw, **extra)  # fresh state
            return opt, name
        except (RuntimeError, TypeError, ValueError):
            continue
    raise RuntimeError("no AdamW variant works")


def torch_peak_gflops(torch, n=2048, repeats=5):
    """torch.mm's fp32 peak on an n^3 product with the configured threads (MKL or OpenBLAS inside torch)."""
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best / 1e9


# ---- benchmark ------------------------------------------------------------------------------


def bench_config(torch, Llama, name, mode, steps, warmup, seed):
    spec = CONFIGS[name]
    cfg = with_defaults({k: v for k, v in spec.items() if k != "batch"})
    B, T, V = spec["batch"], cfg["contextLength"], cfg["vocabSize"]
    reset_peak_rss()
    model = Llama(cfg)
    init_weights(torch, model, seed)
    opt, opt_name = make_optimizer(torch, model)
    params = list(model.parameters())
    step_fn = torch.compile(model) if mode == "compile" else model
    g = torch.Generator().manual_seed(seed + 1)
    batches = [(torch.randint(0, V, (B, T), generator=g), torch.randint(0, V, (B, T), generator=g)) for _ in range(4)]
    if mode == "compile":
        warmup = max(warmup, 3)  # the first calls compile forward and backward

    def one_step(s):
        x, y = batches[s % len(batches)]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = step_fn(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, TRAIN["clipNorm"])
        for group in opt.param_groups:
            group["lr"] = lr_at(s, TRAIN)
        opt.step()
        return time.perf_counter() - t0, loss

    t_start = time.perf_counter()
    s = 0
    for _ in range(warmup):
        one_step(s)
        s += 1
    warm_s = time.perf_counter() - t_start
    times = []
    before = cpu_sample()
    for _ in range(steps):
        dt, loss = one_step(s)
        times.append(dt)
        s += 1
    other = foreign_load(before, cpu_sample())
    med = statistics.median(times)
    fpt = flops_per_token(cfg)
    return dict(type="result", config=name, mode=mode, ms_per_step=med * 1e3, min_ms=min(times) * 1e3,
                max_ms=max(times) * 1e3, tokens_per_s=B * T / med, gflops=fpt * B * T / med / 1e9,
                params=sum(p.numel() for p in params), matmul_params=matmul_params(cfg), flops_per_token=fpt,
                peak_rss_mib=peak_rss_mib(), other_cpu_percent=other, optimizer=opt_name, warmup_s=warm_s, final_loss=loss.item(),
                step_ms=[t * 1e3 for t in times])


def check(torch, Llama):
    """Compares this model's logits and loss with tools/reference_llama.py's forward."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    threads = torch.get_num_threads()
    import reference_llama as ref  # sets one thread and deterministic algorithms on import
    torch.use_deterministic_algorithms(False)
    torch.set_num_threads(threads)
    worst = 0.0
    for kind in ("swiglu", "gelu"):
        cfg = with_defaults(dict(vocabSize=64, dModel=32, nLayers=2, nHeads=4, contextLength=16, mlpKind=kind))
        cfg.update(tiedEmbeddings=True, embeddingScale=False)
        model = Llama(cfg)
        g = torch.Generator().manual_seed(7)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.randn(p.shape, generator=g) * (0.3 if p.dim() == 2 else 0.1) + (0 if p.dim() == 2 else 1))
        d, h = cfg["dModel"], cfg["mlpHidden"]
        hf = {"model.embed_tokens.weight": model.embed.weight, "model.norm.weight": model.norm}
        for i, b in enumerate(model.blocks):
            p = f"model.layers.{i}."
            hf[p + "input_layernorm.weight"] = b.attn_norm
            hf[p + "post_attention_layernorm.weight"] = b.mlp_norm
            for j, n in enumerate(("q_proj", "k_proj", "v_proj")):
                hf[p + f"self_attn.{n}.weight"] = b.qkv.weight[j * d:(j + 1) * d]
            hf[p + "self_attn.o_proj.weight"] = b.o.weight
            if kind == "swiglu":
                hf[p + "mlp.gate_proj.weight"] = b.up.weight[:h]
                hf[p + "mlp.up_proj.weight"] = b.up.weight[h:]
            else:
                hf[p + "mlp.up_proj.weight"] = b.up.weight
            hf[p + "mlp.down_proj.weight"] = b.down.weight
        tokens = torch.randint(0, cfg["vocabSize"], (2, 16), generator=g)
        with torch.no_grad():
            ours = model.logits(tokens)
            theirs = ref.forward(hf, cfg, tokens)
        err = ((ours - theirs).abs().max() / theirs.abs().max()).item()
        worst = max(worst, err)
        log(f"check {kind}: max |logits - reference| / max |reference| = {err:.2e}")
    ok = worst < 1e-5
    log("check " + ("passed" if ok else "FAILED"))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="A,B,C")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--compile", action="store_true", help="also time torch.compile(model)")
    ap.add_argument("--no-eager", action="store_true", help="skip the eager timing")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="compare the model with reference_llama.forward and exit")
    args = ap.parse_args()

    try:
        import torch
    except Exception as e:  # noqa: BLE001 -- any import failure means "no comparison"
        emit(dict(type="unavailable", message=f"torch is not importable ({type(e).__name__}: {e})"))
        return 0
    torch.set_num_threads(args.threads)
    Llama = build_model_class(torch)
    if args.check:
        return 0 if check(torch, Llama) else 1

    names = [n.strip().upper() for n in args.configs.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        log(f"unknown config(s) {unknown}; known: {sorted(CONFIGS)}")
        return 2
    emit(dict(type="env", torch=torch.__version__, threads=torch.get_num_threads(), python=sys.version.split()[0],
              sgemm_peak_gflops=torch_peak_gflops(torch)))
    modes = ([] if args.no_eager else ["eager"]) + (["compile"] if args.compile else [])
    for name in names:
        for mode in modes:
            log(f"  pytorch {name} {mode} ...")
            try:
                emit(bench_config(torch, Llama, name, mode, args.steps, args.warmup, args.seed))
            except Exception as e:  # noqa: BLE001 -- report and go on (torch.compile may lack a compiler)
                msg = f"{type(e).__name__}: {e}".splitlines()[0][:300]
                log(f"  pytorch {name} {mode} failed: {msg}")
                emit(dict(type="result", config=name, mode=mode, error=msg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
