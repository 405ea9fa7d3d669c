"""What PyTorch's CPU side of bench/compare-torch really runs, read in the process that times it.

PyTorch 1.13 from Debian (python3-torch) is built with BLAS_INFO=generic: its matmuls call whatever
libblas.so.3 the dynamic linker resolves, which update-alternatives points at the reference BLAS (about
7 GFLOP/s, libblas3) or at an optimized one (OpenBLAS: libopenblas0-pthread). A ratio against the reference
BLAS flatters every BLAS-backed row, so the table refuses those ratios unless an optimized BLAS is loaded.

describe(threads) returns a dict: the torch version and build facts (torch.__config__), the BLAS library
actually mapped into this process (/proc/self/maps) and its kind (OpenBLAS with its version, core and thread
count / BLIS / MKL / reference / unknown), the oneDNN library and whether PyTorch uses it, the OPENBLAS_*
variables, and a check that this BLAS computes a 64×64 product correctly.
"""
import ctypes
import os
import re
import subprocess

OPTIMIZED = ("OpenBLAS", "BLIS", "MKL")

INSTALL_HINT = ("install an optimized BLAS and let Debian select it as libblas.so.3: "
                "`apt-get install libopenblas0-pthread` (then `update-alternatives --query "
                "libblas.so.3-x86_64-linux-gnu` shows it as the value)")


def _mapped(pattern):
    """Paths of the shared objects mapped into this process whose file name matches pattern."""
    paths = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and re.search(pattern, os.path.basename(parts[5])) and parts[5] not in paths:
                paths.append(parts[5])
    return paths


def _str_fn(lib, name):
    fn = getattr(lib, name, None)
    if fn is None:
        return None
    fn.restype = ctypes.c_char_p
    return fn().decode(errors="replace")


def _blas(threads):
    """Which BLAS this process runs: the library behind libblas.so.3 (or an MKL / OpenBLAS linked directly)."""
    # libblas.so.3 first: the name PyTorch links; an OpenBLAS maps its libopenblas*.so beside it
    paths = sorted(_mapped(r"^(libblas\.so|libopenblas|libmkl_rt|libblis)"), key=lambda p: not os.path.basename(p).startswith("libblas.so"))
    info = {"mapped": paths, "kind": "unknown", "detail": ""}
    if not paths:
        info["kind"] = "none mapped"
        return info
    lib = ctypes.CDLL(paths[0])
    info["path"] = paths[0]
    info["realpath"] = os.path.realpath(paths[0])
    if hasattr(lib, "openblas_get_config"):
        info["kind"] = "OpenBLAS"
        if threads is not None and hasattr(lib, "openblas_set_num_threads"):
            lib.openblas_set_num_threads(ctypes.c_int(threads))
        info["config"] = _str_fn(lib, "openblas_get_config")
        info["core"] = _str_fn(lib, "openblas_get_corename")
        info["threads"] = lib.openblas_get_num_threads() if hasattr(lib, "openblas_get_num_threads") else None
        info["detail"] = f"{info['config']}; kernel in use: {info['core']}; {info['threads']} thread(s)"
    elif hasattr(lib, "bli_info_get_version_str"):
        info["kind"] = "BLIS"
        info["detail"] = "BLIS " + _str_fn(lib, "bli_info_get_version_str")
    elif hasattr(lib, "MKL_Get_Version_String") or "mkl" in info["realpath"]:
        info["kind"] = "MKL"
    elif "/blas/" in info["realpath"] or "libblas.so.3.1" in os.path.basename(info["realpath"]):
        # Debian's libblas3: the Netlib reference implementation, /usr/lib/<triplet>/blas/libblas.so.3.*
        info["kind"] = "reference"
        info["detail"] = "the Netlib reference BLAS (Debian libblas3): unblocked loops, about 7 GFLOP/s"
    return info


def _alternative():
    try:
        out = subprocess.run(["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"^Value: (.*)$", out, re.M)
    return m.group(1) if m else None


def _config_facts(text):
    facts = {}
    for key, pat in (("blas_info", r"BLAS_INFO=([^,\s]+)"), ("lapack_info", r"LAPACK_INFO=([^,\s]+)"),
                     ("onednn", r"(?:Intel\(R\) MKL-DNN|oneDNN) (v[\d.]+)"), ("cpu_capability", r"CPU capability usage: (\S+)"),
                     ("use_mkldnn", r"USE_MKLDNN=(\w+)"), ("use_openmp", r"USE_OPENMP=(\w+)")):
        m = re.search(pat, text)
        facts[key] = m.group(1) if m else None
    return facts


def _check_sgemm():
    """torch.mm (BLAS sgemm) against a float64 product made without BLAS: an old OpenBLAS on a new CPU can be wrong."""
    import torch
    g = torch.Generator().manual_seed(7)
    a, b = torch.randn(64, 48, generator=g), torch.randn(48, 80, generator=g)
    want = (a.double().unsqueeze(2) * b.double().unsqueeze(0)).sum(1)
    err = (torch.mm(a, b).double() - want).abs().max().item()
    return err


def describe(threads=None):
    import torch
    if threads is not None:
        torch.set_num_threads(threads)
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))  # the BLAS is linked already; this makes sure it has run
    cfg = torch.__config__.show()
    d = {"torch": torch.__version__, "config": _config_facts(cfg), "blas": _blas(threads),
         "alternative": _alternative(), "torch_threads": torch.get_num_threads()}
    dnnl = _mapped(r"^libdnnl\.so")
    d["onednn"] = {"version": d["config"]["onednn"], "mapped": [os.path.realpath(p) for p in dnnl],
                   "available": torch.backends.mkldnn.is_available(), "enabled": bool(torch._C._get_mkldnn_enabled())}
    d["env"] = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_") or k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    d["unset"] = os.environ.get("COMPARE_UNSET_OPENBLAS", "")
    d["sgemm_max_abs_error"] = _check_sgemm()
    d["optimized_blas"] = d["blas"]["kind"] in OPTIMIZED
    return d


def summary(d):
    """Lines for the report's header."""
    b, o, c = d["blas"], d["onednn"], d["config"]
    lines = [f"PyTorch {d['torch']} (Debian python3-torch; BLAS_INFO={c['blas_info']}, its own kernels' CPU capability "
             f"{c['cpu_capability']}), {d['torch_threads']} thread(s)"]
    target = b.get("realpath", "—")
    lines.append(f"PyTorch's BLAS: **{b['kind']}** — {b.get('path', 'no BLAS mapped')} → {target}"
                 + (f" ({b['detail']})" if b["detail"] else "")
                 + (f"; update-alternatives libblas.so.3: {d['alternative']}" if d["alternative"] else ""))
    lines.append(f"PyTorch's oneDNN: {o['version'] or 'none'} ({', '.join(o['mapped']) or 'not mapped'}; "
                 f"{'used' if o['available'] and o['enabled'] else 'NOT used'} for convolutions)")
    env = ", ".join(f"{k}={v}" for k, v in sorted(d["env"].items()))
    core = f"OpenBLAS runs its {b['core']} kernel" if b.get("core") else f"(PyTorch's BLAS is {b['kind']}, not OpenBLAS)"
    forced = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in d["env"]]
    if d["unset"]:
        lines.append(f"OpenBLAS environment: {d['unset']} set here, **unset for the PyTorch run only** (set on some CPUs for "
                     f"older OpenBLAS builds); then {core}" + (f"; set for it: {env}" if env else ""))
    elif forced:
        lines.append(f"OpenBLAS environment: **kept** for the PyTorch run (--keep-openblas-env): {env}; {core}")
    else:
        lines.append("OpenBLAS environment: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE not set"
                     + (f"; set for the PyTorch run: {env}" if env else "") + f"; {core}")
    lines.append(f"BLAS check: torch.mm [64,48]·[48,80] against a float64 product, max |error| {d['sgemm_max_abs_error']:.2e}")
    return lines
