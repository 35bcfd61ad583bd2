#!/usr/bin/env bash
# torchdiffeq's examples/ode_demo.py problem, whole process per optimizer step: `odec train`
# against a plain-PyTorch stand-in for torchdiffeq (torch_reference.py; torchdiffeq is not
# packaged for Debian, python3-torch is), and against torchdiffeq itself when a copy of its
# source is on PYTHONPATH (PYTHONPATH=/path/to/torchdiffeq-src bench/ode_demo/run.sh build).
#
#   The data: 1000 samples of dy/dt = A' (y.^3), A = [[-0.1, 2], [-2, -0.1]], from y0 = (2, 0)
#   every h = 0.025 (ode_demo: 1000 samples on [0, 25] by dopri5; here RK38 at the sample step).
#   The model: an MLP 2-50-2 on y.^3 (ode_demo.node), RK38, windows of 9 steps (10 samples),
#   20 windows per step, Adam (lr 1e-3), 3000 optimizer steps (odec: 60 epochs of the 991
#   windows), mean squared error in both.
#
# THREADS (default 1): odec's --threads and torch's intra-op threads; "all" leaves both at
# their defaults (every core), as a user who passes neither gets them.
#
# usage: bench/ode_demo/run.sh BUILD_DIR [THREADS]   (prints one line per contender and the ratio)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
odec=${1:?usage: run.sh BUILD_DIR [THREADS]}/tools/odec/odec
export ODEC_DEMO_THREADS=${2:-1}
threads=()
[[ $ODEC_DEMO_THREADS == all ]] || threads=(--threads "$ODEC_DEMO_THREADS")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
steps=3000

"$odec" simulate "$here/ode_demo.node" --model True --tableau RK38 --step 0.025 --steps 999 \
  --x0 2,0 --seed 0 --out "$work/true.csv"
awk -F, 'NR == 1 { print "traj," $0; next } { print "1," $0 }' "$work/true.csv" >"$work/data.csv"

now() { date +%s.%N; }
start=$(now)
"$odec" train "$here/ode_demo.node" --model ODEFunc --tableau RK38 --step 0.025 \
  --data "$work/data.csv" --horizon 9 --batch 20 --lr 1e-3 --epochs 60 "${threads[@]}" \
  --out "$work/run" 2>/dev/null
odec_s=$(echo "$(now) - $start" | bc -l)
loop_s=$(sed -n 's/.*"wall_seconds": \([0-9.e+-]*\).*/\1/p' "$work/run/summary.json")
printf 'odec train:      %.3f ms per step whole process (%.3f ms in the loop), %d steps, threads: %s\n' \
  "$(echo "1000 * $odec_s / $steps" | bc -l)" "$(echo "1000 * $loop_s / $steps" | bc -l)" "$steps" \
  "$ODEC_DEMO_THREADS"

if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  start=$(now)
  torch_json=$(/usr/bin/python3 "$here/torch_reference.py" "$work/data.csv" "$steps")
  torch_s=$(echo "$(now) - $start" | bc -l)
  torch_loop=$(echo "$torch_json" | sed -n 's/.*"loop_seconds_per_iteration": \([0-9.e+-]*\).*/\1/p')
  printf 'PyTorch RK38:    %.3f ms per step whole process (%.3f ms in the loop)\n' \
    "$(echo "1000 * $torch_s / $steps" | bc -l)" "$(echo "1000 * $torch_loop" | bc -l)"
  printf 'ratio (whole process): %.1fx\n' "$(echo "$torch_s / $odec_s" | bc -l)"
  # torchdiffeq itself, where a copy of its source is on PYTHONPATH (not packaged for Debian).
  if /usr/bin/python3 -c 'import torchdiffeq' 2>/dev/null; then
    start=$(now)
    /usr/bin/python3 "$here/torch_reference.py" "$work/data.csv" "$steps" torchdiffeq > /dev/null
    tdq_s=$(echo "$(now) - $start" | bc -l)
    printf 'torchdiffeq rk4: %.3f ms per step whole process; odec train is %.1fx faster\n' \
      "$(echo "1000 * $tdq_s / $steps" | bc -l)" "$(echo "$tdq_s / $odec_s" | bc -l)"
  fi
else
  echo "PyTorch: not installed (python3-torch); no ratio"
fi
