#!/usr/bin/env bash
# Compiles kernel sources with the host C++ compiler under cuda-host/cuda_host.h (an emulation of the
# CUDA execution model: threads as fibers, barriers for __syncthreads, shuffles and mma.sync, the
# sm_80 instructions of gemm.cuh emulated) and checks them against float64 references, on a machine
# without a GPU. It checks indexing, predicates, fragment layouts and barrier placement, not the
# GPU's memory model or speed. The GEMM check runs twice: cp.async landing at issue, then at the wait.
# The memory-bound kernels with shared memory or shuffles (optim, norm + softmax, reduce) launch as
# their Java launchers do; the block reductions run twice: warp 0 running ahead of the others between
# barriers, then the last warp.
# Usage: kernels/scripts/cuda-host-check.sh [attention|gemm|optim|norm|reduce|all] [quick]
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
quick="${2:-}"
mkdir -p target/cuda-host
build() {
  ${CXX:-g++} -std=c++20 -O1 -Wall -Werror -Wno-unknown-pragmas -I scripts/cuda-host -I src/main/cuda \
    -o "target/cuda-host/$1" "scripts/cuda-host/$1.cpp"
}
if [[ "$which" == attention || "$which" == all ]]; then
  build attention_check
  echo "== attention.cu"
  target/cuda-host/attention_check $quick
fi
if [[ "$which" == gemm || "$which" == all ]]; then
  build gemm_check
  echo "== gemm.cu, conv.cu (cp.async lands at issue)"
  JD_CP_ASYNC=early target/cuda-host/gemm_check $quick
  echo "== gemm.cu, conv.cu (cp.async lands at cp.async.wait_group)"
  JD_CP_ASYNC=late target/cuda-host/gemm_check $quick
fi
if [[ "$which" == optim || "$which" == all ]]; then
  build optim_check
  echo "== optim.cu"
  target/cuda-host/optim_check $quick
fi
if [[ "$which" == norm || "$which" == all ]]; then
  build norm_check
  echo "== norm.cu, softmax.cu (warp 0 runs ahead)"
  target/cuda-host/norm_check $quick
  echo "== norm.cu, softmax.cu (the last warp runs ahead)"
  JD_WARP_ORDER=reverse target/cuda-host/norm_check $quick
fi
if [[ "$which" == reduce || "$which" == all ]]; then
  build reduce_check
  echo "== reduce.cu (warp 0 runs ahead)"
  target/cuda-host/reduce_check $quick
  echo "== reduce.cu (the last warp runs ahead)"
  JD_WARP_ORDER=reverse target/cuda-host/reduce_check $quick
fi
