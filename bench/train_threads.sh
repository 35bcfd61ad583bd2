#!/usr/bin/env bash
# `odec train --threads 2` against `--threads 1` on a W1-sized run: the W1 workload of
# workloads.node (D = 2, H = 64) as the student, mini-batches of 256 windows (h = 0.05,
# horizon 5), data from ode_demo's cubic teacher (256 trajectories of 41 samples). Prints the
# training loop's seconds (summary.json's wall_seconds: JIT and start-up excluded) for each
# thread count, the speed-up, and whether the parameters agree to the bit (they must).
#
# usage: bench/train_threads.sh BUILD_DIR [EPOCHS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
odec=${1:?usage: train_threads.sh BUILD_DIR [EPOCHS]}/tools/odec/odec
epochs=${2:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo '{}' >"$work/none.json"
"$odec" generate "$here/ode_demo/ode_demo.node" --model True --params "$work/none.json" \
  --tableau RK4 --step 0.05 --steps 40 --trajectories 256 --seed 1 --out "$work/data.csv"
sed -i '1s/y\[/x[/g' "$work/data.csv" # the teacher's state is y, W1's is x
seconds() { sed -n 's/.*"wall_seconds": \([0-9.e+-]*\).*/\1/p' "$1/summary.json"; }
for k in 1 2; do
  "$odec" train "$here/workloads.node" --model W1 --tableau RK4 --step 0.05 \
    --data "$work/data.csv" --horizon 5 --batch 256 --lr 1e-3 --epochs "$epochs" --seed 1 \
    --threads "$k" --out "$work/run$k" 2>/dev/null
  printf '%d thread(s): %.3f s training (%d epochs)\n' "$k" "$(seconds "$work/run$k")" "$epochs"
done
printf 'speed-up: %.2fx\n' "$(echo "$(seconds "$work/run1") / $(seconds "$work/run2")" | bc -l)"
if cmp -s "$work/run1/params.json" "$work/run2/params.json"; then
  echo "parameters: identical to the bit"
else
  echo "parameters: DIFFER"
  exit 1
fi
