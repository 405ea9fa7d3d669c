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
# check NAME TITLE [VAR=VALUE TITLE ...]: builds NAME's check and runs it once per setting
check() {
  local name=$1 title=$2
  shift 2
  build "${name}_check"
  if [[ $# -eq 0 ]]; then
    echo "== $title"
    "target/cuda-host/${name}_check" $quick
  fi
  while [[ $# -gt 0 ]]; do
    echo "== $title ($2)"
    env "$1" "target/cuda-host/${name}_check" $quick
    shift 2
  done
}
wanted() { [[ "$which" == "$1" || "$which" == all ]]; }
! wanted attention || check attention "attention.cu"
! wanted gemm || check gemm "gemm.cu, conv.cu" JD_CP_ASYNC=early "cp.async lands at issue" \
  JD_CP_ASYNC=late "cp.async lands at cp.async.wait_group"
! wanted optim || check optim "optim.cu"
! wanted norm || check norm "norm.cu, softmax.cu" JD_WARP_ORDER=forward "warp 0 runs ahead" \
  JD_WARP_ORDER=reverse "the last warp runs ahead"
! wanted reduce || check reduce "reduce.cu" JD_WARP_ORDER=forward "warp 0 runs ahead" \
  JD_WARP_ORDER=reverse "the last warp runs ahead"
