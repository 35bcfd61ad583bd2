#!/usr/bin/env bash
# Start-up of `odec train` to its first optimizer step, whole process, for torchdiffeq's
# ode_demo field (MLP 2-50-2 on y.^3, RK38): a run of exactly one optimizer step (one epoch of
# one mini-batch: the demo's 20 windows of 9 steps), timed from exec to exit, cold (an empty compiled-code cache: parse, check,
# lower, JIT) and warm (the cache holds the code), at each x86-64 level this machine runs.
# Medians of RUNS runs (default 7). The targets (issue 15): ≤ 150 ms cold, ≤ 50 ms warm.
#
# Usage: bench/train_startup.sh [BUILD] [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-7}
odec=$(cd "$build" && pwd)/tools/odec/odec
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/demo.node" <<'NODE'
model OdeDemo
    state y::Vector{2}
    param W1::Matrix{50,2} ~ Normal(0, 0.1)
    param b1::Vector{50}   ~ Zeros()
    param W2::Matrix{2,50} ~ Normal(0, 0.1)
    param b2::Vector{2}    ~ Zeros()
    ddt(y) = W2 * tanh.(W1 * (y .^ 3) .+ b1) .+ b2
end
NODE
# 29 samples of one trajectory: 20 windows of horizon 9, one mini-batch of 20, one step.
{
  echo "traj,t,y[1],y[2]"
  for n in $(seq 0 28); do
    echo "1,$(awk "BEGIN{print $n*0.025}"),$(awk "BEGIN{print 2*cos($n*0.05)}"),$(awk "BEGIN{print sin($n*0.05)}")"
  done
} > "$work/data.csv"

# Milliseconds of one run; $1: the cache directory, $2: the level.
once() {
  rm -rf "$work/run"
  local start end
  start=$(date +%s%N)
  ODEC_CACHE_DIR="$1" "$odec" train "$work/demo.node" --tableau RK38 --step 0.025 \
    --data "$work/data.csv" --horizon 9 --batch 20 --epochs 1 --cpu "$2" --out "$work/run" \
    > /dev/null 2>&1
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

printf 'odec train start-up to the first optimizer step (ms, median of %s)\n' "$runs"
printf '| level | cold (empty cache) | warm (cached code) |\n|---|---|---|\n'
for level in x86-64-v2 x86-64-v3 x86-64-v4; do
  if ! "$odec" bench "$work/demo.node" --tableau RK38 --step 0.1 --steps 1 --batch 1 \
       --cpu "$level" --no-cache > /dev/null 2>&1; then
    printf '| %s | skipped: this machine cannot run it | |\n' "$level"
    continue
  fi
  cold=$(for _ in $(seq "$runs"); do rm -rf "$work/cache"; once "$work/cache" "$level"; done | median)
  once "$work/cache" "$level" > /dev/null
  warm=$(for _ in $(seq "$runs"); do once "$work/cache" "$level"; done | median)
  printf '| %s | %s | %s |\n' "$level" "$cold" "$warm"
done
