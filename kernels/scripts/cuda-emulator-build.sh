#!/usr/bin/env bash
# Builds the CUDA driver emulator: DIR/libcuda.so.1 (scripts/cuda-host/cuda_driver_emulator.cpp)
# with every kernel of src/main/cuda compiled for the CPU under cuda_host.h. With DIR on
# LD_LIBRARY_PATH, JCuda binds to it and the cuda:0 device runs on the CPU (kernels/README.md,
# "The CUDA backend on the CPU"). Rebuilds only when a source changed. Exits 3, saying so, where
# no C++ compiler exists.
# Usage: kernels/scripts/cuda-emulator-build.sh [DIR]   (default target/cuda-emu)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/cuda-emu}"
cxx="${CXX:-g++}"
command -v "$cxx" >/dev/null || { echo "cuda-emulator-build: no C++ compiler ($cxx)" >&2; exit 3; }
mkdir -p "$out"
stamp="$out/sources.sha256"
sum=$(cat src/main/cuda/*.cu src/main/cuda/*.cuh scripts/cuda-host/cuda_host.h scripts/cuda-host/cuda_driver_emulator.cpp "$0" | sha256sum | cut -d' ' -f1)
if [[ -f "$out/libcuda.so.1" && -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
  echo "cuda-emulator-build: $out/libcuda.so.1 is up to date"
  exit 0
fi
: > "$out/kernel_sources.inc"
for f in src/main/cuda/*.cu; do echo "#include \"$(basename "$f")\"" >> "$out/kernel_sources.inc"; done
# every extern "C" kernel, from the preprocessed sources (macros expanded)
printf '#include "cuda_host.h"\n#include "kernel_sources.inc"\n' > "$out/all_kernels.cpp"
"$cxx" -std=c++20 -E -P -I scripts/cuda-host -I src/main/cuda -I "$out" "$out/all_kernels.cpp" \
  | tr '\n' ' ' | grep -oE 'extern "C" +void +[A-Za-z_][A-Za-z0-9_]* *\(' | sed -E 's/.*void +([A-Za-z0-9_]+).*/JD_KERNEL(\1)/' \
  | sort -u > "$out/kernel_table.inc"
echo "cuda-emulator-build: $(wc -l < "$out/kernel_table.inc") kernels into $out/libcuda.so.1"
"$cxx" -std=c++20 -O1 -fPIC -shared -Wall -Werror -Wno-unknown-pragmas -I scripts/cuda-host -I src/main/cuda -I "$out" \
  -Wl,-soname,libcuda.so.1 -o "$out/libcuda.so.1.tmp" scripts/cuda-host/cuda_driver_emulator.cpp
mv "$out/libcuda.so.1.tmp" "$out/libcuda.so.1"
echo "$sum" > "$stamp"
