#!/usr/bin/env python3
"""PyTorch's half of bench/compare-torch, and the table that sets both halves side by side.

  run   --threads N [CASE ...]      times PyTorch's counterpart of each case (all when none are named)
                                    and prints the lines Compare.java prints: name, shape, median ms,
                                    work per call, unit, '' (no allocation count on this side)
  info  --threads N                 what PyTorch runs here: its BLAS and oneDNN (torch_env.py)
  table --ours F [F ...] --torch F [F ...] --peak P [--threads N] [--header H]
                                    reads the tab-separated results of one or more rounds, keeps each
                                    side's best (smallest) median per case and prints one Markdown table
                                    whose last column is the speed ratio ours/PyTorch (> 1: ours faster);
                                    every rate also as a fraction of the machine's measured ceiling (P, the
                                    output of bench/peak/probe: FMA GFLOP/s, copy GB/s on N threads)

BLAS-backed rows (PyTorch computes them with libblas.so.3: matmuls, attention, conservatively the
convolution backward passes, the convolutions when oneDNN is off, and the U-Net rows) get no ratio when
PyTorch's BLAS is not an optimized one (torch_env.OPTIMIZED): the table says why and how to install OpenBLAS.

Cases, names and shapes mirror org.jdiffusion.bench.Compare exactly; timing is the same: warm up for
at least WARMUP seconds (5 calls), then time calls for at least MEASURE seconds (5 calls), median.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WARMUP = float(os.environ.get("COMPARE_WARMUP", "2"))
MEASURE = float(os.environ.get("COMPARE_MEASURE", "3"))


def cases():
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(1234)

    def randn(*s, grad=False):
        return torch.randn(*s, generator=g).requires_grad_(grad)

    c = {}
    for n in (256, 512, 1024):
        def mk(n=n):
            a, b = randn(n, n), randn(n, n)
            return f"{n}x{n}x{n}", 2.0 * n ** 3 / 1e9, "GFLOP", lambda: torch.mm(a, b)
        c[f"sgemm{n}"] = mk

    def linear():
        x, w, b = randn(64, 128), randn(128, 128), randn(128)
        return "[64,128]x[128,128]^T+b", 2.0 * 64 * 128 * 128 / 1e9, "GFLOP", lambda: F.linear(x, w, b)
    c["linear"] = linear

    def bmm_qk():
        q, k = randn(256, 49, 16), randn(256, 16, 49)
        return "[256,49,16]x[256,16,49]", 2.0 * 256 * 49 * 49 * 16 / 1e9, "GFLOP", lambda: torch.bmm(q, k)
    c["bmm_qk"] = bmm_qk

    def bmm_pv():
        p, v = randn(256, 49, 49), randn(256, 49, 16)
        return "[256,49,49]x[256,49,16]", 2.0 * 256 * 49 * 49 * 16 / 1e9, "GFLOP", lambda: torch.bmm(p, v)
    c["bmm_pv"] = bmm_pv

    def conv(name, n, ci, co, hw, k, s, pad):
        ho = (hw + 2 * pad - k) // s + 1
        shape = f"x[{n},{ci},{hw},{hw}] w[{co},{ci},{k},{k}] s{s}"
        flops = 2.0 * n * co * ci * k * k * ho * ho / 1e9

        def fwd():
            x, w, b = randn(n, ci, hw, hw), randn(co, ci, k, k), randn(co)
            return shape, flops, "GFLOP", lambda: F.conv2d(x, w, b, stride=s, padding=pad)

        def fwdbwd():
            x, w, b, dy = randn(n, ci, hw, hw, grad=True), randn(co, ci, k, k, grad=True), randn(co, grad=True), randn(n, co, ho, ho)
            return shape, 3 * flops, "GFLOP", lambda: torch.autograd.grad(F.conv2d(x, w, b, stride=s, padding=pad), (x, w, b), dy)
        c[name + "_fwd"] = fwd
        c[name + "_fwdbwd"] = fwdbwd

    conv("conv3x3", 64, 64, 64, 28, 3, 1, 1)
    conv("conv3x3s2", 64, 32, 32, 28, 3, 2, 1)
    conv("conv1x1", 64, 128, 64, 14, 1, 1, 0)

    def gn_fwd():
        x, w, b = randn(64, 64, 28, 28), randn(64), randn(64)
        return "[64,64,28,28] G=8", 8.0 * x.numel() / 1e9, "GB", lambda: F.group_norm(x, 8, w, b, 1e-5)
    c["groupnorm_fwd"] = gn_fwd

    def gn_fwdbwd():
        x, w, b, dy = randn(64, 64, 28, 28, grad=True), randn(64, grad=True), randn(64, grad=True), randn(64, 64, 28, 28)
        return "[64,64,28,28] G=8", 20.0 * x.numel() / 1e9, "GB", lambda: torch.autograd.grad(F.group_norm(x, 8, w, b, 1e-5), (x, w, b), dy)
    c["groupnorm_fwdbwd"] = gn_fwdbwd

    def sm_fwd():
        x = randn(256, 49, 49)
        return "[256,49,49] dim -1", 8.0 * x.numel() / 1e9, "GB", lambda: torch.softmax(x, -1)
    c["softmax_fwd"] = sm_fwd

    def sm_fwdbwd():
        x, dy = randn(256, 49, 49, grad=True), randn(256, 49, 49)
        return "[256,49,49] dim -1", 20.0 * x.numel() / 1e9, "GB", lambda: torch.autograd.grad(torch.softmax(x, -1), x, dy)
    c["softmax_fwdbwd"] = sm_fwdbwd

    attn_flops = 4.0 * 64 * 4 * 49 * 49 * 16

    def attention(q, k, v):
        # PyTorch 1.13 has no fused attention: the U-Net's composite, on [B, H, D, T] views of qkv
        w = torch.softmax(torch.einsum("bhdi,bhdj->bhij", q, k) * 0.25, dim=-1)
        return torch.einsum("bhij,bhdj->bhdi", w, v)

    def attn_fwd():
        q, k, v = randn(64, 3, 4, 16, 49).unbind(1)
        return "B=64 H=4 T=49 D=16", attn_flops / 1e9, "GFLOP", lambda: attention(q, k, v)
    c["attention_fwd"] = attn_fwd

    def attn_fwdbwd():
        qkv = randn(64, 3, 4, 16, 49, grad=True)
        dout = randn(64, 4, 16, 49)

        def call():
            q, k, v = qkv.unbind(1)
            return torch.autograd.grad(attention(q, k, v), qkv, dout)
        return "B=64 H=4 T=49 D=16", 3 * attn_flops / 1e9, "GFLOP", call
    c["attention_fwdbwd"] = attn_fwdbwd

    def silu():
        x = randn(64, 64, 28, 28)
        return "[64,64,28,28]", 8.0 * x.numel() / 1e9, "GB", lambda: F.silu(x)
    c["silu"] = silu

    def add():
        x, y = randn(64, 64, 28, 28), randn(64, 64, 28, 28)
        return "[64,64,28,28]", 12.0 * x.numel() / 1e9, "GB", lambda: x + y
    c["add"] = add

    def sum_bias():
        x = randn(64, 64, 28, 28)
        return "[64,64,28,28] over (0,2,3)", 4.0 * x.numel() / 1e9, "GB", lambda: x.sum((0, 2, 3))
    c["sum_bias"] = sum_bias

    def unet():
        sys.path.insert(0, os.path.join(HERE, "..", "nn", "scripts"))
        import torch_crosscheck
        torch.manual_seed(5)
        return torch_crosscheck.UNet()

    def adamw():
        net = unet()
        params = list(net.parameters())
        for p in params:
            p.grad = torch.randn(p.shape, generator=g)
        opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)
        count = sum(p.numel() for p in params)
        return f"{len(params)} tensors, {count} params", 28.0 * count / 1e9, "GB", opt.step
    c["adamw"] = adamw

    def inputs():
        x = torch.rand(64, 1, 28, 28, generator=g) * 2 - 1
        t, y = torch.randint(0, 1000, (64,), generator=g), torch.randint(0, 11, (64,), generator=g)
        return x, t, y, torch.randn(64, 1, 28, 28, generator=g)

    def unet_forward():
        net = unet().eval()
        x, t, y, _ = inputs()

        def call():
            with torch.no_grad():
                net(x, t, y)
        return "batch 64, eval", math.nan, "GFLOP", call
    c["unet_forward"] = unet_forward

    def unet_step():
        net = unet().train()
        x, t, y, noise = inputs()
        opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.01)

        def call():
            loss = F.mse_loss(net(x, t, y), noise)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return "batch 64, AdamW", math.nan, "GFLOP", call
    c["unet_step"] = unet_step
    return c


def run(args):
    import torch
    import torch_env
    env = torch_env.describe(args.threads)
    if env["sgemm_max_abs_error"] > 1e-3:
        sys.exit(f"PyTorch's BLAS ({env['blas'].get('realpath')}) computes a wrong float32 product (max |error| "
                 f"{env['sgemm_max_abs_error']:.3g} on 64x48x80): no timing is worth reporting")
    print("#info\t" + json.dumps(env), flush=True)
    all_cases = cases()
    for name in args.cases or list(all_cases):
        if name not in all_cases:
            sys.exit(f"unknown case '{name}'; known: {', '.join(all_cases)}")
        shape, work, unit, fn = all_cases[name]()
        t0, i = time.perf_counter(), 0
        while i < 5 or time.perf_counter() - t0 < WARMUP:
            fn()
            i += 1
        times, start = [], time.perf_counter()
        while len(times) < 5 or time.perf_counter() - start < MEASURE:
            s = time.perf_counter()
            fn()
            times.append(time.perf_counter() - s)
        ms = statistics.median(times) * 1e3
        print(f"{name}\t{shape}\t{ms:.4f}\t{'' if math.isnan(work) else f'{work:.6f}'}\t{unit}\t", flush=True)


def read(files):
    best, order, info = {}, [], None
    for f in files:
        with open(f) as fh:
            for line in fh:
                if line.startswith("#info\t"):
                    info = json.loads(line.split("\t", 1)[1])
                    continue
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 5:
                    continue
                name, shape, ms, work, unit = parts[:5]
                alloc = parts[5] if len(parts) > 5 else ""
                if name not in best:
                    order.append(name)
                if name not in best or float(ms) < best[name][1]:
                    best[name] = (shape, float(ms), float(work) if work else math.nan, unit, alloc)
    return best, order, info


def read_peak(path, threads):
    """{'GFLOP': FMA GFLOP/s, 'GB': copy GB/s} on `threads` threads from bench/peak/probe's output, and its lines."""
    facts, ceil = {}, {}
    with open(path) as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            facts.setdefault(f[0], []).append(f[1:])
    for key, unit in (("fma_gflops", "GFLOP"), ("copy_gbs", "GB")):
        for t, v in facts.get(key, []):
            if int(t) == threads:
                ceil[unit] = float(v)
    if len(ceil) != 2:
        sys.exit(f"{path}: no fma_gflops / copy_gbs line for {threads} thread(s); is it bench/peak/probe {threads}'s output?")
    return ceil, facts


def blas_backed(name, info):
    """Whether PyTorch's CPU path for this case can call BLAS (conservative: backward convolutions, the U-Net)."""
    if name.startswith(("sgemm", "linear", "bmm_", "attention_", "unet_")):
        return True
    if name.startswith("conv"):
        onednn = info["onednn"]["available"] and info["onednn"]["enabled"]
        return name.endswith("_fwdbwd") or not onednn
    return False


def table(args):
    ours, order, _ = read(args.ours)
    theirs, _, info = read(args.torch)
    ceil, facts = read_peak(args.peak, args.threads)
    if info is None:
        sys.exit("the PyTorch results carry no #info line (bench/compare_torch.py run prints it): cannot tell its BLAS")
    import torch_env
    if args.header:
        print(args.header)
    isa = facts.get("isa", [["?"]])[0][0]
    print(f"Measured ceilings (bench/peak/probe, {isa}, cc -O2 -march=native): "
          + "; ".join(f"FMA {v[1]} GFLOP/s on {v[0]} thread(s)" for v in facts.get("fma_gflops", [])) + "; "
          + "; ".join(f"copy {v[1]} GB/s on {v[0]} thread(s)" for v in facts.get("copy_gbs", [])))
    for line in torch_env.summary(info):
        print(line)
    refuse = not info["optimized_blas"]
    if refuse:
        print()
        print(f"**No ratio for the BLAS-backed rows**: PyTorch's BLAS here is {info['blas']['kind']} "
              f"({info['blas'].get('realpath', 'none')}), not an optimized BLAS, and a ratio against it would flatter "
              f"ours. To measure them, {torch_env.INSTALL_HINT}.")
    print()
    print(f"Rates as a fraction of the {args.threads}-thread ceiling: GFLOP/s of the FMA peak, GB/s of the copy bandwidth "
          f"({ceil['GFLOP']:.1f} GFLOP/s, {ceil['GB']:.1f} GB/s).")
    print()
    print("| case | shape | ours ms | ours rate | of peak | ours MB alloc/call | PyTorch ms | PyTorch rate | of peak | ours/PyTorch |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")

    def rate(work, unit, ms):
        return "—" if math.isnan(work) else f"{work / (ms / 1e3):.1f} {unit}/s"

    def frac(work, unit, ms):
        return "—" if math.isnan(work) else f"{100 * work / (ms / 1e3) / ceil[unit]:.0f}%"

    for name in order:
        shape, ms, work, unit, alloc = ours[name]
        mine = f"| {name} | {shape} | {ms:.3f} | {rate(work, unit, ms)} | {frac(work, unit, ms)} | {alloc} |"
        if name in theirs and refuse and blas_backed(name, info):
            print(f"{mine} — | — | — | refused ({info['blas']['kind']} BLAS) |")
        elif name in theirs:
            tms = theirs[name][1]
            print(f"{mine} {tms:.3f} | {rate(work, unit, tms)} | {frac(work, unit, tms)} | **{tms / ms:.2f}×** |")
        else:
            print(f"{mine} — | — | — | — |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("run")
    r.add_argument("--threads", type=int, required=True)
    r.add_argument("cases", nargs="*")
    i = sub.add_parser("info")
    i.add_argument("--threads", type=int, required=True)
    t = sub.add_parser("table")
    t.add_argument("--ours", nargs="+", required=True)
    t.add_argument("--torch", nargs="+", required=True)
    t.add_argument("--peak", required=True)
    t.add_argument("--threads", type=int, required=True)
    t.add_argument("--header")
    args = p.parse_args()
    if args.mode == "info":
        import torch_env
        print("\n".join(torch_env.summary(torch_env.describe(args.threads))))
    else:
        run(args) if args.mode == "run" else table(args)


if __name__ == "__main__":
    main()
