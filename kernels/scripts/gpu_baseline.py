#!/usr/bin/env python3
"""PyTorch's side of the GPU benchmarks: the cases of cases.tsv (written by GpuBench --list, the
one declaration both sides read) timed with torch on cuda:0 exactly as GpuBench times ours: CUDA
events around the op alone, two warm-up rounds, a 256 MiB memset before every repetition (over twice
an H200's 60 MB L2), three input sets in rotation, median of 5 to 50 repetitions.

  gpu_baseline.py CASES.tsv [--only REGEX] [--budget SECONDS] [--target-ms MS] [--tf32] [--unet] > torch.tsv

Prints a TSV (notes as '# key: value', then id, status, median_ms, min_ms, reps, detail), one row as
each case finishes; the GPU report joins it with ours by id. float32 with TF32 off (matmul and
cuDNN) unless --tf32, so both sides do the same arithmetic; a GEMM or conv case with mode=tf32 runs
with TF32 on (that case alone), one with mode=bf16 on bfloat16 tensors (fp32 accumulate). --unet adds the whole reference U-Net
(nn/scripts/torch_crosscheck.py) at batch 128: an eval forward and a training step (eps-prediction
MSE, backward, fused AdamW), rows unet.forward.b128 and unet.train.b128, then both again under
bf16 autocast (rows ending .bf16).
"""
import argparse
import math
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEVICE = "cuda"
FLUSH_BYTES = 256 << 20
WARMUP, MIN_REPS, MAX_REPS = 2, 5, 50
UNET_PARAMETERS = 1_624_577  # spec/unet-mnist.md


def emit(*fields):
    print("\t".join(str(f) for f in fields), flush=True)


def clean(s):
    s = " ".join(str(s).split())
    return s if len(s) <= 400 else s[:400] + " …"


def read_cases(path):
    cases = []
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    for line in lines[1:]:
        cid, kind, params, work, unit, what = line.split("\t")
        p = dict(kv.split("=", 1) for kv in params.split(" ") if kv)
        cases.append({"id": cid, "kind": kind, "p": p, "work": float(work), "unit": unit, "what": what})
    return cases


def setup(torch, F, c, seed):
    """One input set of case c: random inputs (never zeros) and the closure that runs the op once."""
    dev = DEVICE
    g = torch.Generator(device=dev).manual_seed(seed)
    p, kind = c["p"], c["kind"]
    # mode bf16 (GEMM and conv cases): bfloat16 tensors, fp32 accumulate; tf32 is set around the timing (main)
    dtype = torch.bfloat16 if p.get("mode") == "bf16" else torch.float32

    def rnd(*shape, grad=False):
        return torch.randn(*shape, generator=g, device=dev).to(dtype).requires_grad_(grad)

    def ints(k):
        return [int(v) for v in p[k].split(",")]

    if "mode" in p and kind not in ("matmul", "conv"):
        raise NotImplementedError("mode %s of a %s case" % (p["mode"], kind))
    if kind == "d2d":
        src, dst = rnd(int(p["n"])), torch.empty(int(p["n"]), device=dev)
        return lambda: dst.copy_(src)
    if kind == "unary":
        x = rnd(int(p["n"]))
        f = {"RELU": torch.relu, "EXP": torch.exp, "SILU": F.silu, "GELU": F.gelu}[p["op"]]
        return lambda: f(x)
    if kind == "binary":
        a, b, out = rnd(int(p["n"])), rnd(int(p["n"])), torch.empty(int(p["n"]), device=dev)
        f = {"ADD": torch.add, "MUL": torch.mul}[p["op"]]
        return lambda: f(a, b, out=out)
    if kind == "binary_row":
        a, row = rnd(int(p["rows"]), int(p["cols"])), rnd(int(p["cols"]))
        return lambda: torch.add(a, row)
    if kind == "reduce":
        x, dims = rnd(*ints("shape")), ints("dims")
        if p["op"] == "SUM":
            return lambda: x.sum(dim=dims, keepdim=True)
        if p["op"] == "MAX":
            return lambda: x.amax(dim=dims, keepdim=True)
        raise NotImplementedError("reduce " + p["op"])
    if kind in ("softmax", "softmax_bwd"):
        x = rnd(int(p["rows"]), int(p["cols"]))
        if kind == "softmax":
            return lambda: torch.softmax(x, -1)
        y = torch.rand(x.shape, generator=g, device=dev) * 0.99 + 0.01
        return lambda: torch.ops.aten._softmax_backward_data(x, y, -1, torch.float32)
    if kind in ("groupnorm", "groupnorm_bwd"):
        n, ch, h, w = ints("shape")
        groups = int(p["groups"])
        x, gamma, beta = rnd(n, ch, h, w), rnd(ch), rnd(ch)
        if kind == "groupnorm":
            return lambda: F.group_norm(x, groups, gamma, beta, 1e-5)
        _, mean, rstd = torch.ops.aten.native_group_norm(x, gamma, beta, n, ch, h * w, groups, 1e-5)
        dy = rnd(n, ch, h, w)
        return lambda: torch.ops.aten.native_group_norm_backward(dy, x, mean, rstd, gamma, n, ch, h * w, groups, [True, True, True])
    if kind in ("layernorm", "layernorm_bwd"):
        r, d = int(p["rows"]), int(p["cols"])
        x, gamma, beta = rnd(r, d), rnd(d), rnd(d)
        if kind == "layernorm":
            return lambda: F.layer_norm(x, (d,), gamma, beta, 1e-5)
        _, mean, rstd = torch.ops.aten.native_layer_norm(x, [d], gamma, beta, 1e-5)
        dy = rnd(r, d)
        return lambda: torch.ops.aten.native_layer_norm_backward(dy, x, [d], mean, rstd, gamma, beta, [True, True, True])
    if kind == "adamw":
        params = [torch.nn.Parameter(rnd(int(s))) for s in p["sizes"].split(",")]
        for q in params:
            q.grad = rnd(q.numel())
        opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, fused=True)
        return opt.step
    if kind == "matmul":
        b, m, k, n = (int(p[x]) for x in "bmkn")
        x, y = rnd(b, m, k), rnd(b, k, n)
        return lambda: torch.bmm(x, y)
    if kind == "conv":
        n, ci, co, h, w, k, st, pad = (int(p[x]) for x in ("n", "c", "o", "h", "w", "k", "stride", "pad"))
        bwd = p["bwd"] == "1"
        x, wt, bias = rnd(n, ci, h, w, grad=bwd), rnd(co, ci, k, k, grad=bwd), rnd(co, grad=bwd)
        if not bwd:
            return lambda: F.conv2d(x, wt, bias, stride=st, padding=pad)
        ho = (h + 2 * pad - k) // st + 1
        dy = rnd(n, co, ho, ho)
        return lambda: torch.autograd.grad(F.conv2d(x, wt, bias, stride=st, padding=pad), (x, wt, bias), dy)
    if kind == "attention":
        b, h, t, d = (int(p[x]) for x in "bhtd")
        bwd = p["bwd"] == "1"
        q, k, v = rnd(b, h, t, d, grad=bwd), rnd(b, h, t, d, grad=bwd), rnd(b, h, t, d, grad=bwd)
        sdpa = lambda: F.scaled_dot_product_attention(q, k, v, scale=1 / math.sqrt(d))
        if not bwd:
            return sdpa
        do = rnd(b, h, t, d)
        return lambda: torch.autograd.grad(sdpa(), (q, k, v), do)
    raise NotImplementedError("unknown case kind " + kind)


def set_tf32(torch, on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def timed(torch, sets, reps, flush):
    ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(reps)]
    for i, (s, e) in enumerate(ev):
        flush.fill_(i + 1)
        s.record()
        sets[i % len(sets)]()
        e.record()
    torch.cuda.synchronize()
    return [s.elapsed_time(e) for s, e in ev]


def time_case(torch, sets, flush, target_ms):
    for _ in range(WARMUP):
        for f in sets:
            f()
    torch.cuda.synchronize()
    once = timed(torch, sets, 1, flush)[0]
    reps = int(max(MIN_REPS, min(MAX_REPS, math.ceil(target_ms / max(once, 1e-3)))))
    ms = sorted(timed(torch, sets, reps, flush))
    median = ms[reps // 2] if reps % 2 else (ms[reps // 2 - 1] + ms[reps // 2]) / 2
    return median, ms[0], reps


def unet_step(torch, F, batch):
    """The reference U-Net's eval forward and training step (eps-MSE, backward, AdamW) at a batch."""
    sys.path.insert(0, os.path.join(HERE, "..", "..", "nn", "scripts"))
    from torch_crosscheck import UNet
    torch.manual_seed(0)
    net = UNet().to(DEVICE)
    count = sum(q.numel() for q in net.parameters())
    if count != UNET_PARAMETERS:
        raise ValueError("the torch U-Net has %d parameters, spec/unet-mnist.md says %d" % (count, UNET_PARAMETERS))
    g = torch.Generator(device=DEVICE).manual_seed(7)
    x = torch.randn(batch, 1, 28, 28, generator=g, device=DEVICE)
    t = torch.randint(0, 1000, (batch,), generator=g, device=DEVICE)
    y = torch.randint(0, 11, (batch,), generator=g, device=DEVICE)
    eps = torch.randn(batch, 1, 28, 28, generator=g, device=DEVICE)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.0, **({"fused": True} if DEVICE == "cuda" else {}))

    def forward(bf16=False):
        net.eval()
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            return net(x, t, y)

    def train(bf16=False):
        net.train()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):  # forward (and so backward); the step stays fp32
            loss = F.mse_loss(net(x, t, y).float(), eps)
        loss.backward()
        opt.step()
        return loss

    return net, forward, train


def unet_rows(torch, F, flush, batch=128):
    try:
        net, forward, train = unet_step(torch, F, batch)
    except Exception as e:  # reported, never fatal
        for name in ("unet.forward.b%d" % batch, "unet.train.b%d" % batch):
            emit(name, "error", "", "", "", clean("%s: %s" % (type(e).__name__, e)))
        return
    count = sum(q.numel() for q in net.parameters())
    runs = (("unet.forward.b%d" % batch, "forward, eval mode, no grad", forward),
            ("unet.train.b%d" % batch, "eps-MSE forward + backward + fused AdamW step, dropout 0.1", train))
    for suffix, bf16 in (("", False), (".bf16", True)):
        for name, what, f in runs:
            name += suffix
            what += "; bf16 autocast (torch.autocast)" if bf16 else ""
            try:
                med, mn, reps = time_case(torch, [lambda: f(bf16)], flush, 500)
                emit(name, "ok", "%.5f" % med, "%.5f" % mn, reps, "%s; %d parameters; %.0f images/s" % (what, count, batch / med * 1e3))
            except Exception as e:  # reported, never fatal
                emit(name, "error", "", "", "", clean("%s: %s" % (type(e).__name__, e)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases")
    ap.add_argument("--only")
    ap.add_argument("--budget", type=float, default=float("inf"))
    ap.add_argument("--target-ms", type=float, default=200)
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--unet", action="store_true")
    a = ap.parse_args()
    cases = [c for c in read_cases(a.cases) if not a.only or re.search(a.only, c["id"])]
    header = ("id", "status", "median_ms", "min_ms", "reps", "detail")
    try:
        import torch
        import torch.nn.functional as F
        usable = torch.cuda.is_available()
        why = "torch.cuda.is_available() is False (torch %s)" % torch.__version__
    except Exception as e:
        usable, why = False, "cannot import torch: %s" % e
    if not usable:
        print("# no usable GPU: " + why, flush=True)
        emit(*header)
        return 0
    set_tf32(torch, a.tf32)
    print("# torch: %s, CUDA %s, cuDNN %s" % (torch.__version__, torch.version.cuda, torch.backends.cudnn.version()))
    prop = torch.cuda.get_device_properties(0)
    print("# device: %s, %d SMs, %.0f GiB" % (prop.name, prop.multi_processor_count, prop.total_memory / 2 ** 30))
    print("# tf32: %s" % ("on (matmul and cuDNN)" if a.tf32 else "off (float32 arithmetic in matmul and cuDNN)"), flush=True)
    emit(*header)
    flush = torch.empty(FLUSH_BYTES // 4, device="cuda")
    deadline = time.monotonic() + a.budget
    for c in cases:
        if time.monotonic() > deadline:
            emit(c["id"], "not run", "", "", "", "time budget of %g s reached" % a.budget)
            continue
        sets = None
        mode = c["p"].get("mode")
        try:
            if mode not in (None, "tf32", "bf16"):
                raise NotImplementedError("mode " + mode)
            set_tf32(torch, a.tf32 or mode == "tf32")  # TF32 for a tf32 case alone
            sets = [setup(torch, F, c, 1000 + s) for s in range(3)]
            med, mn, reps = time_case(torch, sets, flush, a.target_ms)
            emit(c["id"], "ok", "%.5f" % med, "%.5f" % mn, reps, "")
        except NotImplementedError as e:
            emit(c["id"], "n/a", "", "", "", clean(e))
        except Exception as e:  # reported, never fatal
            emit(c["id"], "error", "", "", "", clean("%s: %s" % (type(e).__name__, e)))
        finally:
            set_tf32(torch, a.tf32)
            del sets
    if a.unet and time.monotonic() < deadline:
        unet_rows(torch, F, flush)
    return 0


if __name__ == "__main__":
    sys.exit(main())
