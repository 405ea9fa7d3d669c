#!/usr/bin/env bash
# The sampler-sweep harness end to end on two tiny U-Nets trained with the same small budget: an
# ε-prediction model and a flow-matching model. A demonstration of the harness on an undertrained
# tiny model, NOT the reference model's comparison. Run from the repository root.
set -euo pipefail
STEPS=${STEPS:-350}
DATA=${DATA:-/work/shared/data/mnist}
OUT=bench/results/2026-12-08-sampler-harness-demo
RUNS=${RUNS:-/tmp/sampler-harness-runs}
EPS_LIST=ddpm:100,ddim:10:0,ddim:20:0,euler:10,euler:20,euler-a:10,euler-a:20,heun:5,heun:10,dpmpp2s:5,dpmpp2s:10,dpmpp2m:10,dpmpp2m:20,dpmpp3m:10,dpmpp3m:20,dpmpp-sde:10,dpmpp-sde:20,unipc:10,unipc:20
FLOW_LIST=flow-euler:10,flow-euler:20,flow-euler:50,flow-heun:5,flow-heun:10,flow-heun:25
mkdir -p "$RUNS"
for obj in eps flow; do                 # side by side, each stopped (SIGINT: a clean checkpoint) after 590 s at the latest
  timeout -s INT 590 ./jdiffusion train --model tiny --objective "$obj" --data-dir "$DATA" --steps "$STEPS" --batch 64 \
      --sample-every 0 --checkpoint-every 100 --preview 0 -o "$RUNS/tiny-$obj" &
done
wait || true
for obj in eps flow; do cp "$RUNS/tiny-$obj/log.csv" "$OUT/train-$obj-log.csv"; done
./jdiffusion eval --checkpoint "$RUNS/tiny-eps/checkpoint.safetensors" --data-dir "$DATA" --count 0 --samples 0 \
    --guidance-sweep=none --sampler-sweep="$EPS_LIST" --sweep-samples 64 --batch 64 --report "$OUT/eps"
./jdiffusion eval --checkpoint "$RUNS/tiny-flow/checkpoint.safetensors" --data-dir "$DATA" --count 0 --samples 0 \
    --guidance-sweep=none --sampler-sweep="$FLOW_LIST" --sweep-samples 64 --batch 64 --report "$OUT/flow"
