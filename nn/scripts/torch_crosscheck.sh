#!/usr/bin/env bash
# Both directions of the PyTorch cross-check of the reference U-Net (needs python3 with torch and numpy):
#   PyTorch weights -> jdiffusion forward, compared with PyTorch's forward;
#   jdiffusion weights -> loaded strictly by PyTorch, compared with jdiffusion's forward.
# Appends the result lines to bench/results/torch-crosscheck.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/scripts/select-jdk.sh"
py="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$root" && mvn -B -q -ntp -pl samples -am package -DskipTests)
jar="$root/samples/target/jdiffusion.jar"
java=("$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector -cp "$jar")
s="$root/nn/scripts"
"$py" "$s/torch_crosscheck.py" export --weights "$work/torch.safetensors" --inputs "$work/in.safetensors" --seed 3 --batch 4
"$root/jdiffusion" forward --checkpoint "$work/torch.safetensors" --inputs "$work/in.safetensors" --output "$work/out1.safetensors"
"${java[@]}" "$s/ExportUNet.java" "$work/ours.safetensors" 5
"$root/jdiffusion" forward --checkpoint "$work/ours.safetensors" --inputs "$work/in.safetensors" --output "$work/out2.safetensors"
mkdir -p "$root/bench/results"
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git -C "$root" rev-parse --short HEAD)"
  "$py" "$s/torch_crosscheck.py" compare --weights "$work/torch.safetensors" --inputs "$work/in.safetensors" --output "$work/out1.safetensors"
  "$py" "$s/torch_crosscheck.py" compare --weights "$work/ours.safetensors" --inputs "$work/in.safetensors" --output "$work/out2.safetensors"
} | tee -a "$root/bench/results/torch-crosscheck.txt"
