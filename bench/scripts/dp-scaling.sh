#!/usr/bin/env bash
# Data-parallel scaling on one machine: steps/s of `train` and the all-reduce time against the
# number of ranks, for the CPU over Open MPI's loopback (shared memory) or, with --device cuda, for
# NCCL on the GPUs of this host. Writes OUT/scaling.tsv, OUT/allreduce.tsv and the raw logs.
#
#   bench/scripts/dp-scaling.sh [--device cpu|cuda] [--ranks "1 2 3 4"] [--steps 30] [--skip 10]
#                               [--batch 32] [--model tiny] [--data-dir DIR] [--busbw GBPS] [-o OUT]
#
# GPU host: bench/scripts/dp-scaling.sh --device cuda --model unet --batch 128 --ranks "1 2 4 8"
# (one rank per GPU; with one GPU, --ranks 1 runs NCCL on one device without MPI). It also writes
# OUT/model.tsv, the modelled steps/s on N GPUs from the one-rank step time T1 and the all-reduce
# bus bandwidth measured on the most ranks run (or --busbw, e.g. nccl-tests' figure, where only one
# GPU was available):  T(N) = T1/N + (1 - h) * (2(N-1)/N * S / busbw + k * a), with S the gradient
# bytes, k the buckets, a the 4 KiB all-reduce time (latency) and h the share hidden behind backward.
#
# Each run trains the same global batch for --steps steps and times steps skip+1..steps from
# log.csv's elapsed column (the first steps load data and compile). On the CPU, with R ranks on C
# cores each rank gets max(1, C/R) kernel threads (JDIFFUSION_THREADS), so R > C oversubscribes.
# AllReduceTiming (bench/target/benchmarks.jar) times one all-reduce of the reference U-Net's
# gradient, the tiny U-Net's, a 1 MiB bucket and 4 KiB on the same rank counts.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
source scripts/select-jdk.sh
device=cpu ranks="1 2 3 4" steps=30 skip=10 batch=32 model=tiny data_dir=../shared/data/mnist out="" busbw=""
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --skip) skip=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --data-dir) data_dir=$2; shift 2 ;;
    --busbw) busbw=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "dp-scaling: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
command -v mpirun >/dev/null || { echo "dp-scaling: mpirun is missing: apt-get install openmpi-bin libopenmpi-dev" >&2; exit 2; }
[ -n "$out" ] || out="bench/results/$(date -u +%F)-dp-scaling-$device"
mkdir -p "$out"
[ -f samples/target/jdiffusion.jar ] && [ -f bench/target/benchmarks.jar ] || mvn -B -q -ntp package -DskipTests -pl samples,bench -am
cores=$(nproc)
mpi=(mpirun --oversubscribe --bind-to none)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
java_flags=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC)

{
  echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(uname -m), $cores cores, $(mpirun --version | head -1), device $device"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'ranks\tthreads_per_rank\tglobal_batch\tsteps_timed\tsteps_per_s\tsamples_per_s\tend_of_run_line\n'
} > "$out/scaling.tsv"
for r in $ranks; do
  threads=$(( cores / r )); [ "$threads" -ge 1 ] || threads=1
  run="$out/run-$r"
  rm -rf "$run"
  echo "dp-scaling: $r rank(s), $threads thread(s) each ..." >&2
  comm=(); [ "$device" = cpu ] || comm=(--comm nccl)
  JDIFFUSION_THREADS=$threads "${mpi[@]}" -np "$r" ./jdiffusion train "${comm[@]}" --data-dir "$data_dir" --model "$model" --batch "$batch" \
      --steps "$steps" --device "$device" --checkpoint-every 0 --sample-every 0 --preview 0 --log-every 1 -o "$run" > "$out/console-$r.txt" 2>&1
  # elapsed_s is column 5 of log.csv; row 1 is the header, so step k is line k+1
  sps=$(awk -F, -v a=$((skip + 1)) -v b=$((steps + 1)) -v n=$((steps - skip)) 'NR==a {t0=$5} NR==b {t1=$5} END {printf "%.3f", n / (t1 - t0)}' "$run/log.csv")
  line=$(grep -h '^all-reduce:' "$out/console-$r.txt" || echo "one process: no all-reduce")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$threads" "$batch" "$((steps - skip))" "$sps" \
      "$(awk -v s="$sps" -v b="$batch" 'BEGIN {printf "%.1f", s * b}')" "$line" >> "$out/scaling.tsv"
  rm -f "$run/checkpoint.safetensors"
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/scaling.tsv"

: > "$out/allreduce.tsv"
for r in $ranks; do
  [ "$r" -gt 1 ] || [ "$device" != cpu ] || continue
  JDIFFUSION_THREADS=1 "${mpi[@]}" -np "$r" "$JAVA_HOME/bin/java" "${java_flags[@]}" -cp bench/target/benchmarks.jar \
      org.jdiffusion.bench.dist.AllReduceTiming "$device" 20 2>/dev/null | { [ -s "$out/allreduce.tsv" ] && tail -n +2 || cat; } >> "$out/allreduce.tsv"
done
cat "$out/scaling.tsv" "$out/allreduce.tsv"

# the multi-GPU model (GPU runs only): from the one-rank step time and the measured all-reduce
if [ "$device" != cpu ]; then
  awk -F'\t' -v busbw="$busbw" '
    FNR == 1 { file++ }
    file == 1 && $1 == 1 && $5 > 0 { t1 = 1 / $5 }
    file == 1 && $1 ~ /^[0-9]+$/ && $7 ~ /buckets/ { n = split($7, w, " "); k = w[2]; mb = w[4]; for (i = 1; i <= n; i++) if (w[i] ~ /^\(/) { h = substr(w[i], 2) / 100 } }
    file == 2 && $1 ~ /^[0-9]+$/ { if ($4 == 4096) lat = $5 / 1e3; if ($4 > big) { big = $4; if (busbw == "" || $1 > 1) { bw = $8; bwr = $1 } } }
    END {
      if (busbw != "") { bw = busbw; bwr = "given" }
      if (!t1 || !bw) { print "model: needs a one-rank run and a bus bandwidth (run more ranks or pass --busbw)"; exit }
      s = mb * 1e6; if (!k) { k = 1; s = big }
      printf "gpus\tmodel_steps_per_s\tno_overlap_steps_per_s\tstep_ms\tallreduce_ms\texposed_ms\tinputs\n"
      for (nn = 1; nn <= 64; nn *= 2) {
        ar = (nn > 1) ? 2 * (nn - 1) / nn * s / (bw * 1e9) + k * lat : 0
        t = t1 / nn + (1 - h) * ar
        printf "%d\t%.2f\t%.2f\t%.2f\t%.3f\t%.3f\tT1 %.2f ms, S %.2f MB, k %d, latency %.3f ms, busbw %.1f GB/s (%s ranks), hidden %.0f%%\n",
               nn, 1 / t, 1 / (t1 / nn + ar), 1e3 * t, 1e3 * ar, 1e3 * (1 - h) * ar, 1e3 * t1, s / 1e6, k, 1e3 * lat, bw, bwr, 100 * h
      }
    }' "$out/scaling.tsv" "$out/allreduce.tsv" | tee "$out/model.tsv"
fi
