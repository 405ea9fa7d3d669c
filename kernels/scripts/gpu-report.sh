#!/usr/bin/env bash
# Runs the CUDA tests, the bandwidth probe, the GPU benchmarks and (where python3 has torch) the
# PyTorch baseline on this machine's GPU and writes report.md: the kit and run of a GPU host without
# a JDK (scripts/gpu-kit, then .gpu/run.sh), here with this machine's JDK 25 and Maven.
# Usage: kernels/scripts/gpu-report.sh [OUT_DIR] [SECONDS]      (default kernels/target/gpu-report, 1800 s)
set -euo pipefail
cd "$(dirname "$0")/../.."
source ./scripts/select-jdk.sh
out=${1:-kernels/target/gpu-report}
scripts/gpu-kit --no-jre
JAVA="$JAVA_HOME/bin/java" .gpu/run.sh "${2:-1800}" "$out"
