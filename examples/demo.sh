#!/usr/bin/env bash
# The main job, end to end: check the spiral model, sample its parameters from the priors,
# JIT-compile fused RK4 and Kutta3 solvers and simulate; then the oscillator from a
# parameter file. Outputs go to demo-out/.
set -euo pipefail
odec=${1:-build/tools/odec/odec}
here=$(cd "$(dirname "$0")" && pwd)
out=demo-out
mkdir -p "$out"

echo "== odec check examples/spiral.node"
"$odec" check "$here/spiral.node"

echo "== odec simulate (Spiral, RK4, h = 0.1, 50 steps, parameters from the priors, seed 1)"
"$odec" simulate "$here/spiral.node" --tableau RK4 --step 0.1 --steps 50 --x0 1,0 --seed 1 \
  --out "$out/spiral_rk4.csv"
head -n 4 "$out/spiral_rk4.csv"; echo "   ... ($(wc -l < "$out/spiral_rk4.csv") lines in $out/spiral_rk4.csv)"

echo "== the same with the file's own Kutta3 tableau"
"$odec" simulate "$here/spiral.node" --tableau Kutta3 --step 0.1 --steps 50 --x0 1,0 --seed 1 \
  --out "$out/spiral_kutta3.csv"
tail -n 1 "$out/spiral_kutta3.csv"

echo "== odec simulate (Oscillator, k = 1.5 from a parameter file, RK38, a batch of 3)"
printf '{"k": 1.5}\n' > "$out/oscillator_params.json"
printf 'q[1],p[1]\n1,0\n0,1\n0.5,0.5\n' > "$out/oscillator_x0.csv"
"$odec" simulate "$here/oscillator.node" --tableau RK38 --step 0.05 --steps 200 \
  --batch-x0 "$out/oscillator_x0.csv" --params "$out/oscillator_params.json" --out "$out/oscillator.csv"
grep -E '^(traj|[123],10,)' "$out/oscillator.csv"
echo "demo finished: outputs in $out/"
