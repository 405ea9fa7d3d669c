#!/usr/bin/env python3
"""Cross-check of the reference U-Net (spec/unet-mnist.md) between PyTorch and jdiffusion.

  export  --weights W --inputs IN [--seed S] [--batch B]
          builds the network in PyTorch (default init), writes its state_dict and random inputs
  compare --weights W --inputs IN --output OUT [--tol T]
          loads W strictly into the PyTorch network, runs it in eval mode on IN and compares
          with OUT['out'] (written by `jdiffusion forward`); prints one result line

Safetensors is read and written here with the standard library and numpy only.
"""
import argparse
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ---- safetensors -------------------------------------------------------------------------------

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


def st_write(path, tensors):
    header, chunks, off = {}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        b = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": NAMES[arr.dtype], "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def st_read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    base, out = 8 + n, {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[base + b:base + end], dtype=np.dtype(DTYPES[e["dtype"]]).newbyteorder("<")).reshape(e["shape"])
    return out


# ---- the network, module for module as the spec ------------------------------------------------

class Res(nn.Module):
    def __init__(self, cin, cout, temb=128, groups=8, dropout=0.1):
        super().__init__()
        self.n1 = nn.GroupNorm(groups, cin, eps=1e-5)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(temb, cout)
        self.n2 = nn.GroupNorm(groups, cout, eps=1e-5)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.drop = nn.Dropout(dropout)

    def forward(self, x, e):
        h = self.c1(F.silu(self.n1(x))) + self.t(F.silu(e))[:, :, None, None]
        h = self.c2(self.drop(F.silu(self.n2(h))))
        return h + (self.skip(x) if self.skip is not None else x)


class Attn(nn.Module):
    def __init__(self, c, heads=4, groups=8):
        super().__init__()
        self.heads = heads
        self.n = nn.GroupNorm(groups, c, eps=1e-5)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.o = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, hh, ww = x.shape
        d = c // self.heads
        q, k, v = self.qkv(self.n(x)).reshape(b, 3, self.heads, d, hh * ww).unbind(1)
        w = torch.softmax(torch.einsum("bhdi,bhdj->bhij", q, k) / math.sqrt(d), dim=-1)
        a = torch.einsum("bhij,bhdj->bhdi", w, v).reshape(b, c, hh, ww)
        return x + self.o(a)


class Up(nn.Module):
    def forward(self, x):
        return F.interpolate(x, scale_factor=2, mode="nearest")


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.temb = nn.Sequential(nn.Linear(32, 128), nn.SiLU(), nn.Linear(128, 128))
        self.cemb = nn.Embedding(11, 128)
        self.inp = nn.Conv2d(1, 32, 3, padding=1)
        self.down = nn.ModuleList([Res(32, 32), Res(32, 32), nn.Conv2d(32, 32, 3, stride=2, padding=1),
                                   Res(32, 64), Res(64, 64), nn.Conv2d(64, 64, 3, stride=2, padding=1),
                                   Res(64, 64), Attn(64), Res(64, 64), Attn(64)])
        self.mid = nn.ModuleList([Res(64, 64), Attn(64), Res(64, 64)])
        self.up = nn.ModuleList([Res(128, 64), Attn(64), Res(128, 64), Attn(64), Res(128, 64), Attn(64),
                                 Up(), nn.Conv2d(64, 64, 3, padding=1),
                                 Res(128, 64), Res(128, 64), Res(96, 64), Up(), nn.Conv2d(64, 64, 3, padding=1),
                                 Res(96, 32), Res(64, 32), Res(64, 32)])
        self.out = nn.Sequential(nn.GroupNorm(8, 32, eps=1e-5), nn.SiLU(), nn.Conv2d(32, 1, 3, padding=1))

    @staticmethod
    def features(t):
        half = 16
        # the frequency table on t's device: a CPU table beside a cuda:0 t cannot be multiplied
        f = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float64, device=t.device) / half)
        a = t.double()[:, None] * f[None, :]
        return torch.cat([torch.sin(a), torch.cos(a)], dim=1).float()

    def forward(self, x, t, y):
        e = self.temb(self.features(t)) + self.cemb(y)
        h = self.inp(x)
        skips = [h]
        for m in self.down:
            if isinstance(m, Res):
                h = m(h, e)
                skips.append(h)
            elif isinstance(m, Attn):
                h = m(h)
                skips[-1] = h
            else:
                h = m(h)
                skips.append(h)
        for m in self.mid:
            h = m(h, e) if isinstance(m, Res) else m(h)
        for m in self.up:
            h = m(torch.cat([h, skips.pop()], dim=1), e) if isinstance(m, Res) else m(h)
        assert not skips
        return self.out(h)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["export", "compare"])
    p.add_argument("--weights", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--output")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--tol", type=float, default=1e-4)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    net = UNet()
    count = sum(v.numel() for v in net.parameters())
    assert count == 1_624_577, count
    if a.mode == "export":
        st_write(a.weights, {k: v.detach().numpy() for k, v in net.state_dict().items()})
        g = torch.Generator().manual_seed(a.seed + 1)
        st_write(a.inputs, {"x": torch.randn(a.batch, 1, 28, 28, generator=g).numpy(),
                            "t": torch.randint(0, 1000, (a.batch,), generator=g).numpy(),
                            "y": torch.randint(0, 11, (a.batch,), generator=g).numpy()})
        return 0
    sd = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in st_read(a.weights).items()}
    net.load_state_dict(sd, strict=True)
    net.eval()
    ins = st_read(a.inputs)
    with torch.no_grad():
        ref = net(torch.from_numpy(np.array(ins["x"])), torch.from_numpy(np.array(ins["t"])),
                  torch.from_numpy(np.array(ins["y"]))).double()
    ours = torch.from_numpy(np.array(st_read(a.output)["out"])).double()
    assert ref.shape == ours.shape, (ref.shape, ours.shape)
    diff = (ref - ours).abs()
    rel = diff.max().item() / ref.abs().max().item()
    ok = diff.max().item() <= a.tol * max(1.0, ref.abs().max().item())
    print(f"torch {torch.__version__} vs jdiffusion on {a.weights.split('/')[-1]}: batch {ref.shape[0]}, "
          f"max |diff| {diff.max().item():.3e}, mean |diff| {diff.mean().item():.3e}, max |out| {ref.abs().max().item():.3e}, "
          f"relative {rel:.3e} -> {'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
