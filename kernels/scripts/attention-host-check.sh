#!/usr/bin/env bash
# Compiles attention.cu with the host C++ compiler under cuda_host.h (threads as fibers, barriers for
# __syncthreads and shuffles) and checks every attention kernel against a float64 reference, on a
# machine without a GPU. It checks indexing, masking and control flow, not the GPU's memory model.
# Usage: kernels/scripts/attention-host-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/cuda-host
${CXX:-g++} -std=c++20 -O1 -Wall -Wno-unknown-pragmas -I scripts/cuda-host -I src/main/cuda \
  -o target/cuda-host/attention_check scripts/cuda-host/attention_check.cpp
target/cuda-host/attention_check
