#!/usr/bin/env bash
# The GPU host's side of the GPU kit (scripts/gpu-kit copies this file to .gpu/run.sh): one command
# that needs no JDK, Maven or network, only what the kit and the working tree carry.
#
#   .gpu/run.sh [LIMIT_SECONDS [OUT_DIR]]      (default 480 s; OUT_DIR default $OUT, else .gpu/out)
#   JD_TRAIN_SECONDS=N .gpu/run.sh ...          also train and evaluate the reference U-Net (part 5)
#   JD_DP=0 .gpu/run.sh ...                     skips part 6, data parallelism's cost on one GPU (NCCL)
#
# Parts, in order, each with its share of the time left: the GPU and driver (nvidia-smi); the CUDA
# tests with the JUnit console launcher (XML reports) and the bandwidth probe; our GPU benchmarks
# (GpuBench, resumed in a fresh JVM after a crash); the PyTorch baseline (kernels/scripts/
# gpu_baseline.py with the whole reference U-Net); compute-sanitizer's memcheck over the op suite and
# ncu's per-kernel device time of two U-Net training steps, where the host has them. A part that fails, crashes or runs out of time is
# reported, never fatal, and report.md is rewritten after every part, so it is current whenever the
# run stops. OUT_DIR receives report.md, bench.tsv (ours), unet.tsv (our reference U-Net step:
# samples' CudaUNetStepProbe, among the tests), torch.tsv (PyTorch's) and results.tar.gz (XML reports,
# logs, every input of the report).
# Part 5, only with JD_TRAIN_SECONDS > 0 and MNIST in the kit (.gpu/mnist): `train` of the reference
# U-Net on cuda:0 (batch JD_TRAIN_BATCH, default 128) for that many seconds at most, stopped by SIGTERM
# after the step in flight with its checkpoint written, then `eval --report` of that checkpoint on cuda:0
# until the time limit. The run and eval folders go into results.tar.gz; the checkpoint (26 MB) comes
# back in 15 MB pieces, checkpoint.safetensors.part-aa, -ab (cat them in order).
# JAVA=/path/to/java uses that runtime instead of the kit's jre.txz; JD_HEAP sets the heap (default 16g).
set -uo pipefail
kit=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$kit/.." && pwd)
limit=${1:-480}
out=${2:-${OUT:-$kit/out}}
mkdir -p "$out" && out=$(cd "$out" && pwd)
start=$(date +%s)
deadline=$((start + limit))
reserve=15                                    # seconds kept for the last report and the tarball
work=$(mktemp -d "${TMPDIR:-/tmp}/jdiffusion-gpu.XXXXXX")
mkdir -p "$work/logs" "$work/junit"
cp "$kit/cases.tsv" "$kit/kit.txt" "$work/" 2>/dev/null
printf 'part\tstatus\tseconds\tnote\n' > "$work/parts.tsv"
left() { echo $((deadline - reserve - $(date +%s))); }
say() { echo "[run.sh $(( $(date +%s) - start ))s] $*"; }

# ---- Java: the kit's runtime, unpacked once per host -------------------------------------------
JAVA=${JAVA:-}
if [ -z "$JAVA" ]; then
  jre_dir=${TMPDIR:-/tmp}/jdiffusion-jre-$(cksum < "$kit/jre.txz" 2>/dev/null | cut -d' ' -f1)
  mkdir -p "$jre_dir"
  # tar with xz, else Python's tarfile (the host may lack the xz tool)
  if [ -x "$jre_dir/jre/bin/java" ] || tar xJf "$kit/jre.txz" -C "$jre_dir" 2> "$work/logs/jre.log" \
     || "${PYTHON:-python3}" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$kit/jre.txz" "$jre_dir" \
        2>> "$work/logs/jre.log"; then
    JAVA=$jre_dir/jre/bin/java
  fi
fi
cp=$(ls "$kit"/lib/*.jar 2>/dev/null | tr '\n' ':')
jvm=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC "-Xmx${JD_HEAP:-16g}")
java_ok=0
[ -n "$JAVA" ] && "$JAVA" -version > "$work/logs/java-version.txt" 2>&1 && java_ok=1

report() {   # report.md from whatever exists; the shell writes a minimal one when Java cannot run
  if [ "$java_ok" = 1 ] && "$JAVA" "${jvm[@]}" -cp "$cp" org.jdiffusion.kernels.cuda.GpuReport "$work" "$out/report.md" \
       >> "$work/logs/report.log" 2>&1; then :
  else
    { echo "# jdiffusion GPU report (minimal: the report writer could not run)"; echo
      echo "Java: ${JAVA:-none} ($(head -n1 "$work/logs/java-version.txt" 2>/dev/null || echo 'not runnable'); see logs/jre.log, logs/report.log)."; echo
      echo '```'; cat "$work/parts.tsv"; cat "$work/nvidia-smi.txt" 2>/dev/null; echo '```'
      echo "bench.tsv, torch.tsv and results.tar.gz hold what was measured."; } > "$out/report.md.tmp" && mv "$out/report.md.tmp" "$out/report.md"
  fi
  for f in bench.tsv unet.tsv torch.tsv; do
    if [ -f "$work/$f" ]; then cp "$work/$f" "$out/$f.tmp" && mv "$out/$f.tmp" "$out/$f"; fi
  done
  return 0
}
part() {     # part NAME STATUS SECONDS NOTE: records a finished part and rewrites the report
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$work/parts.tsv"
  say "$1: $2 ($3 s) $4"
  report
}
count_ok() { local n; n=$(grep -c $'\tok\t' "$1" 2>/dev/null); echo "${n:-0}"; }
status_of() {  # exit status → words
  case "$1" in 0) echo ok ;; 124|137) echo "timed out" ;; *) echo "failed (exit $1)" ;; esac
}
if [ "$java_ok" = 1 ]; then part java ok 0 "$(head -n1 "$work/logs/java-version.txt")"
else part java failed 0 "no runnable Java (${JAVA:-none}): tests and our benchmarks cannot run"; fi

# ---- 1. the GPU and driver ---------------------------------------------------------------------
t0=$(date +%s)
if command -v nvidia-smi > /dev/null; then
  timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.memory,power.limit --format=csv \
    > "$work/nvidia-smi.txt" 2> "$work/logs/nvidia-smi.err"; rc=$?
  timeout 30 nvidia-smi > "$work/logs/nvidia-smi-full.txt" 2>&1
  part gpu "$(status_of $rc)" $(( $(date +%s) - t0 )) "$(sed -n 2p "$work/nvidia-smi.txt" 2>/dev/null)"
else
  part gpu "no GPU" 0 "nvidia-smi not found"
fi

# ---- 2. CUDA tests (+ the probes: bandwidth, the U-Net step), per module, in the module's directory --
# (HostEmulatedKernelsTest is left out: it checks the kernels on the CPU and needs no GPU)
if [ "$java_ok" = 1 ] && [ -f "$kit/tests.txt" ]; then
  for m in $(cut -f1 "$kit/tests.txt" | sort -u); do
    t0=$(date +%s)
    budget=$(( $(left) * 40 / 100 )); [ "$budget" -ge 10 ] || budget=10
    sel=()
    while IFS=$'\t' read -r mod kind name; do
      [ "$mod" = "$m" ] && sel+=("--select-$kind" "$name")
    done < "$kit/tests.txt"
    rm -rf "$work/junit-$m"
    (cd "$root/$m" && timeout -k 10 "$budget" "$JAVA" "${jvm[@]}" -Djdiffusion.gpu.report="$work" \
       -jar "$(ls "$kit"/lib/junit/junit-platform-console-standalone-*.jar)" execute --disable-banner --disable-ansi-colors \
       --details=testfeed --include-engine=junit-jupiter --include-classname '^(Test.*|.+[.$]Test.*|.*Tests?|.*Probe)$' \
       --exclude-classname '.*HostEmulatedKernelsTest' \
       -cp "$cp" "${sel[@]}" --reports-dir "$work/junit-$m") > "$work/logs/tests-$m.log" 2>&1
    rc=$?
    for x in "$work/junit-$m"/TEST-*.xml; do [ -f "$x" ] && mv "$x" "$work/junit/TEST-$m-$(basename "$x" | sed 's/^TEST-//')"; done
    summary=$(sed -n 's/^\[ *\([0-9]*\) tests \(successful\|failed\|skipped\|aborted\) *\]$/\1 \2/p' "$work/logs/tests-$m.log" | paste -sd, - | sed 's/,/, /g')
    case $rc in 0) st=ok ;; 1) st="tests failed" ;; *) st=$(status_of $rc) ;; esac
    part "tests ($m)" "$st" $(( $(date +%s) - t0 )) "${summary:-no summary (see logs/tests-$m.log)}"
  done
else
  part tests skipped 0 "no runnable Java or no tests.txt in the kit"
fi

# ---- 3. our GPU benchmarks -----------------------------------------------------------------------
if [ "$java_ok" = 1 ]; then
  t0=$(date +%s)
  hard=$(( $(left) * 55 / 100 ))
  resume=() runs=0 rc=0
  for try in 1 2 3 4; do
    remaining=$(( hard - ($(date +%s) - t0) ))
    [ "$remaining" -gt 10 ] || break
    # no new case after 3/4 of the time; the rest is grace for the case in flight
    timeout -k 10 "$remaining" "$JAVA" "${jvm[@]}" -cp "$cp" org.jdiffusion.kernels.cuda.GpuBench --out "$work" \
      --budget $(( remaining * 3 / 4 )) "${resume[@]}" >> "$work/logs/bench.log" 2>&1
    rc=$? runs=$((runs + 1))
    # 3: the CUDA context died in a case; 128 and up (not a kill by timeout): the JVM died of a signal.
    # Either way a fresh JVM goes on after the rows already written.
    if [ "$rc" = 3 ] || { [ "$rc" -ge 128 ] && [ "$rc" != 137 ]; }; then resume=(--resume); say "bench: exit $rc, resuming"; continue; fi
    break
  done
  case $runs/$rc in 0/*) st="not run" ;; */0) st=ok ;; */3) st="context lost" ;; */4) st="no GPU" ;; *) st=$(status_of $rc) ;; esac
  part "benchmarks (ours)" "$st" $(( $(date +%s) - t0 )) "$(count_ok "$work/bench.tsv") cases measured in $runs JVM run(s)"
else
  part "benchmarks (ours)" skipped 0 "no runnable Java"
fi

# ---- 4. the PyTorch baseline ---------------------------------------------------------------------
py=${PYTHON:-python3}
if command -v "$py" > /dev/null && [ -f "$work/cases.tsv" ]; then
  t0=$(date +%s)
  remaining=$(left)
  if [ "$remaining" -gt 10 ]; then
    PYTHONUNBUFFERED=1 timeout -k 10 "$remaining" "$py" "$root/kernels/scripts/gpu_baseline.py" "$work/cases.tsv" --unet \
      --budget $(( remaining * 3 / 4 )) > "$work/torch.tsv" 2> "$work/logs/torch.log"
    rc=$?
    part "PyTorch baseline" "$(status_of $rc)" $(( $(date +%s) - t0 )) \
      "$(count_ok "$work/torch.tsv") rows measured$(grep -m1 '^# no usable GPU' "$work/torch.tsv" | sed 's/^# /; /')"
  else
    part "PyTorch baseline" "not run" 0 "no time left"
  fi
else
  part "PyTorch baseline" skipped 0 "no $py or no cases.tsv"
fi

# ---- 4b. compute-sanitizer memcheck over the op suite (where the host has it; JD_SANITIZE=0 skips) --------
# Out-of-bounds and misaligned accesses that a passing comparison can miss (an over-read inside a
# padded allocation); it took about a minute for the whole kernels op suite on an H200.
cs=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -n1)
if [ "${JD_SANITIZE:-1}" = 1 ] && [ "$java_ok" = 1 ] && [ -n "$cs" ]; then
  t0=$(date +%s)
  budget=$(( $(left) / 3 )); [ "$budget" -le 150 ] || budget=150
  if [ "$budget" -ge 30 ]; then
    (cd "$root/kernels" && timeout -k 10 "$budget" "$cs" --tool memcheck --print-limit 30 "$JAVA" "${jvm[@]}" \
       -jar "$(ls "$kit"/lib/junit/junit-platform-console-standalone-*.jar)" execute --disable-banner --disable-ansi-colors \
       --details=summary -cp "$cp" --select-package org.jdiffusion.kernels.cuda --select-class org.jdiffusion.kernels.BackendConformanceTest \
       --include-classname '.*OnDeviceTest|.*ConformanceTest|.*CudaRuntimeTest') > "$work/logs/memcheck.log" 2>&1
    rc=$?
    errors=$(sed -n 's/^========= ERROR SUMMARY: \([0-9]*\) error.*/\1/p' "$work/logs/memcheck.log" | tail -n1)
    tests=$(sed -n 's/^\[ *\([0-9]*\) tests successful *\]$/\1/p' "$work/logs/memcheck.log")
    case $rc/${errors:-none} in 0/0) st=ok ;; */none) st=$(status_of $rc) ;; *) st="errors found" ;; esac
    part "memcheck (op suite)" "$st" $(( $(date +%s) - t0 )) "${errors:-no} memcheck errors, ${tests:-0} tests passed (logs/memcheck.log)"
  else
    part "memcheck (op suite)" "not run" 0 "no time left"
  fi
fi

# ---- 4c. ncu: every kernel of two U-Net training steps with its device time (where the host has ncu) -----
# What a step's time is made of on the device: kernels/scripts/ncu_kernels.py sums ncu's per-launch
# gpu__time_duration by kernel into ncu-kernels.tsv. --clock-control none leaves the card's clocks alone.
ncu=$(command -v ncu || ls /usr/local/cuda*/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n1)
if [ "${JD_NCU:-1}" = 1 ] && [ "$java_ok" = 1 ] && [ -n "$ncu" ] && grep -q '^samples' "$kit/tests.txt" 2>/dev/null; then
  t0=$(date +%s)
  budget=$(( $(left) / 3 )); [ "$budget" -le 240 ] || budget=240
  if [ "$budget" -ge 30 ]; then
    timeout -k 10 "$budget" "$ncu" --clock-control none --metrics gpu__time_duration.sum --csv --launch-count 5000 \
      "$JAVA" "${jvm[@]}" -cp "$cp" org.jdiffusion.samples.train.CudaUNetSteps 2 128 > "$work/logs/ncu.csv" 2> "$work/logs/ncu.log"
    rc=$?
    note=$("${PYTHON:-python3}" "$root/kernels/scripts/ncu_kernels.py" "$work/logs/ncu.csv" 2 2>&1 > "$work/ncu-kernels.tsv" | tail -n1)
    part "ncu (reference U-Net step)" "$(status_of $rc)" $(( $(date +%s) - t0 )) "${note:-no summary (see logs/ncu.log)}"
  else
    part "ncu (reference U-Net step)" "not run" 0 "no time left"
  fi
fi

# ---- 5. (JD_TRAIN_SECONDS) the reference U-Net trained on MNIST on cuda:0, then evaluated ---------------
train_s=${JD_TRAIN_SECONDS:-0}
if [ "$train_s" -gt 0 ]; then
  if [ "$java_ok" = 1 ] && [ -f "$kit/mnist/train-images-idx3-ubyte.gz" ]; then
    t0=$(date +%s)
    eval_s=$(( $(left) / 4 )); [ "$eval_s" -ge 60 ] || eval_s=60
    s=$(( $(left) - eval_s )); [ "$s" -lt "$train_s" ] && train_s=$s
    if [ "$train_s" -gt 20 ]; then
      main=org.jdiffusion.samples.Main
      # SIGTERM (not SIGINT, which a background job's shell may have set to ignored): the shutdown hook
      # lets the step in flight finish and writes the checkpoint (exit 143)
      timeout -k 150 "$train_s" "$JAVA" "${jvm[@]}" -cp "$cp" "$main" train --device cuda --data-dir "$kit/mnist" \
        -o "$work/unet" --batch "${JD_TRAIN_BATCH:-128}" --steps 1000000 --checkpoint-every 500 --sample-every 0 \
        > "$work/logs/train.log" 2>&1
      rc=$?
      last=$(tail -n1 "$work/unet/log.csv" 2>/dev/null)   # step,loss,lr,grad_norm,elapsed_s
      note=$(echo "$last" | awk -F, '$5 > 0 { printf "%d steps of batch %s in %.0f s (%.2f steps/s), loss %s", $1, b, $5, $1 / $5, $2 }' b="${JD_TRAIN_BATCH:-128}")
      case $rc in 0|124|143) st=ok ;; *) st=$(status_of $rc) ;; esac
      part "train (reference U-Net, cuda:0)" "$st" $(( $(date +%s) - t0 )) "${note:-no log.csv (see logs/train.log)}"
      if [ -f "$work/unet/checkpoint.safetensors" ]; then
        t0=$(date +%s)
        timeout -k 10 "$(left)" "$JAVA" "${jvm[@]}" -cp "$cp" "$main" eval --device cuda --data-dir "$kit/mnist" \
          --checkpoint "$work/unet/checkpoint.safetensors" --report "$work/unet-eval" > "$work/logs/eval.log" 2>&1
        rc=$?
        part "eval (reference U-Net, cuda:0)" "$(status_of $rc)" $(( $(date +%s) - t0 )) "report in unet-eval/report.md"
        mv "$work/unet/checkpoint.safetensors" "$work/checkpoint.safetensors"
        rm -f "$work"/unet/checkpoint-*.safetensors
        split -b 15m "$work/checkpoint.safetensors" "$out/checkpoint.safetensors.part-"
        rm -f "$work/checkpoint.safetensors"
      fi
    else
      part "train (reference U-Net, cuda:0)" "not run" 0 "no time left"
    fi
  else
    part "train (reference U-Net, cuda:0)" skipped 0 "no runnable Java or no MNIST in the kit (.gpu/mnist)"
  fi
fi

# ---- 6. data parallelism's cost on one GPU: train with --comm local, then --comm nccl (JD_DP=0 skips) -------
# The reference U-Net, batch JD_DP_BATCH (default 128), JD_DP_STEPS steps (default 60) each way; steps/s over
# the second half, and the nccl run's end-of-run line (buckets, bytes a step, NCCL's device time a step from
# CUDA events). NCCL comes from the host (its PyTorch's pip wheel, or $JDIFFUSION_NCCL); one rank needs no MPI.
# The multi-GPU model from these numbers: bench/scripts/dp-scaling.sh (--busbw), bench/results/*-dp-scaling-*.
if [ "${JD_DP:-1}" = 1 ] && [ "$java_ok" = 1 ] && [ -f "$kit/mnist/train-images-idx3-ubyte.gz" ] && [ "$(left)" -ge 120 ]; then
  t0=$(date +%s)
  dp_steps=${JD_DP_STEPS:-60}
  printf 'comm\tsteps_per_s\tend_of_run_line\n' > "$work/dp.tsv"
  for comm in local nccl; do
    timeout -k 10 $(( $(left) / 2 )) "$JAVA" "${jvm[@]}" -cp "$cp" org.jdiffusion.samples.Main train --device cuda --comm "$comm" \
      --data-dir "$kit/mnist" -o "$work/dp-$comm" --batch "${JD_DP_BATCH:-128}" --steps "$dp_steps" --checkpoint-every 0 \
      --sample-every 0 --preview 0 --log-every 1 > "$work/logs/dp-$comm.log" 2>&1
    sps=$(awk -F, -v a=$(( dp_steps / 2 + 1 )) -v b=$(( dp_steps + 1 )) -v n=$(( dp_steps / 2 )) \
      'NR==a {t0=$5} NR==b {t1=$5} END {if (t1 > t0) printf "%.2f", n / (t1 - t0)}' "$work/dp-$comm/log.csv" 2>/dev/null)
    printf '%s\t%s\t%s\n' "$comm" "${sps:-failed}" "$(grep -h '^all-reduce:' "$work/logs/dp-$comm.log" | head -n1)" >> "$work/dp.tsv"
    rm -f "$work/dp-$comm/checkpoint.safetensors"
  done
  cp "$work/dp.tsv" "$out/dp.tsv"
  note=$(awk -F'\t' 'NR > 1 {printf "%s%s %s steps/s", (NR > 2 ? "; " : ""), $1, $2}' "$work/dp.tsv")
  st=ok; grep -q failed "$work/dp.tsv" && st=failed
  part "data parallel (NCCL, one GPU)" "$st" $(( $(date +%s) - t0 )) "${note} (dp.tsv; logs/dp-*.log)"
fi

# ---- results ---------------------------------------------------------------------------------------
tar czf "$out/results.tar.gz.tmp" -C "$work" . 2>/dev/null && mv "$out/results.tar.gz.tmp" "$out/results.tar.gz"
say "done in $(( $(date +%s) - start )) s: $out/report.md (work files in $work)"
sed -n '1,8p' "$out/report.md"
