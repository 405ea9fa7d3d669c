#!/usr/bin/env python3
"""PyTorch's half of bench/compare-torch, and the table that sets both halves side by side.

  run   --threads N [CASE ...]      times PyTorch's counterpart of each case (all when none are named)
                                    and prints the lines Compare.java prints: name, shape, median ms,
                                    work per call, unit, '' (no allocation count on this side)
  table --ours F [F ...] --torch F [F ...] [--header H]
                                    reads the tab-separated results of one or more rounds, keeps each
                                    side's best (smallest) median per case and prints one Markdown table
                                    whose last column is the speed ratio ours/PyTorch (> 1: ours faster)

Cases, names and shapes mirror org.jdiffusion.bench.Compare exactly; timing is the same: warm up for
at least WARMUP seconds (5 calls), then time calls for at least MEASURE seconds (5 calls), median.
"""
import argparse
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
    torch.set_num_threads(args.threads)
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
    best, order = {}, []
    for f in files:
        with open(f) as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 5:
                    continue
                name, shape, ms, work, unit = parts[:5]
                alloc = parts[5] if len(parts) > 5 else ""
                if name not in best:
                    order.append(name)
                if name not in best or float(ms) < best[name][1]:
                    best[name] = (shape, float(ms), float(work) if work else math.nan, unit, alloc)
    return best, order


def table(args):
    ours, order = read(args.ours)
    theirs, _ = read(args.torch)
    if args.header:
        print(args.header)
        print()
    print("| case | shape | ours ms | ours rate | ours MB alloc/call | PyTorch ms | PyTorch rate | ours/PyTorch |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")

    def rate(work, unit, ms):
        return "—" if math.isnan(work) else f"{work / (ms / 1e3):.1f} {unit}/s"

    for name in order:
        shape, ms, work, unit, alloc = ours[name]
        if name in theirs:
            tms = theirs[name][1]
            print(f"| {name} | {shape} | {ms:.3f} | {rate(work, unit, ms)} | {alloc} | {tms:.3f} | {rate(work, unit, tms)} | **{tms / ms:.2f}×** |")
        else:
            print(f"| {name} | {shape} | {ms:.3f} | {rate(work, unit, ms)} | {alloc} | — | — | — |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("run")
    r.add_argument("--threads", type=int, required=True)
    r.add_argument("cases", nargs="*")
    t = sub.add_parser("table")
    t.add_argument("--ours", nargs="+", required=True)
    t.add_argument("--torch", nargs="+", required=True)
    t.add_argument("--header")
    args = p.parse_args()
    run(args) if args.mode == "run" else table(args)


if __name__ == "__main__":
    main()
