#!/usr/bin/env bash
# Runs the CUDA op suite and the bandwidth probe on this machine's GPU and writes one Markdown
# report: the GPU and driver, pass/fail of every op test on cuda:0 against the CPU reference, and
# the memory-bound kernels' bandwidth as a fraction of the measured device-to-device copy.
# Needs a JDK 25 and Maven; nvcc is optional (without it the kernels come from NVRTC at run time).
# Usage: kernels/scripts/gpu-report.sh [output dir]      (default kernels/target/gpu-report)
set -euo pipefail
cd "$(dirname "$0")/../.."
source ./scripts/select-jdk.sh
out=$(mkdir -p "${1:-kernels/target/gpu-report}" && cd "${1:-kernels/target/gpu-report}" && pwd)
rm -f "$out"/bandwidth.tsv "$out"/device.txt "$out"/nvidia-smi.txt

if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory --format=csv > "$out/nvidia-smi.txt" 2>&1 || true
fi

# test failures must not stop the report: they are what it reports
mvn -B -ntp -pl kernels -am test \
  -Dtest='*OnDeviceTest,Cuda*Test,CudaBandwidthProbe,BackendConformanceTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dmaven.test.failure.ignore=true -Djdiffusion.gpu.report="$out" | tee "$out/maven.log" | grep -E "Tests run:|BUILD|ERROR" || true

java kernels/scripts/GpuReport.java kernels/target/surefire-reports "$out" > "$out/report.md"
echo "report: $out/report.md"
grep -E "^\*\*(op suite|verdict)" "$out/report.md" || true
