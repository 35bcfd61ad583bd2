#!/usr/bin/env bash
# The main job, end to end, on examples/spiral.node:
#   check → analyse the solver → stability-informed initialization → teacher data →
#   training with the fused discrete adjoint → simulate the trained model → deploy it as a
#   standalone C++ program → derivatives.
# Outputs go to demo-out/.
set -euo pipefail
odec=${1:-build/tools/odec/odec}
here=$(cd "$(dirname "$0")" && pwd)
out=demo-out
rm -rf "$out"
mkdir -p "$out"
spiral="$here/spiral.node"

step() { printf '\n== %s\n' "$*"; }

step "odec check examples/spiral.node"
"$odec" check "$spiral"

odec() { "$odec" "$@"; }

step "the solver: odec tableau RK4"
odec tableau RK4

step "stability-informed initialization (the file's init block: RK4, h = 0.1, margin 0.9)"
odec init "$spiral" --seed 1 --out "$out/init_params.json"
odec stability RK4 Euler --file "$spiral" --model Spiral --params "$out/init_params.json" \
  --step 0.1 --svg "$out/stability.svg"
echo "stability regions with the model's hλ: $out/stability.svg"

step "teacher data: 16 trajectories of a teacher network (parameters from the priors, seed 7)"
odec init "$spiral" --seed 7 --out "$out/teacher_params.json" > /dev/null
odec generate "$spiral" --params "$out/teacher_params.json" --tableau RK4 --step 0.1 \
  --steps 60 --trajectories 16 --seed 2 --noise 0.001 --out "$out/data.csv"
odec generate "$spiral" --params "$out/teacher_params.json" --tableau RK4 --step 0.1 \
  --steps 60 --trajectories 4 --seed 3 --out "$out/val.csv"

step "odec train (fused RK4 + discrete adjoint, Adam, stability-informed init)"
odec train "$spiral" --tableau RK4 --step 0.1 --data "$out/data.csv" --val "$out/val.csv" \
  --init stability --seed 3 --epochs 40 --horizon 10 --batch 64 --lr 0.01 --out "$out/run"
echo "run directory: $(ls "$out/run" | tr '\n' ' ')"

step "simulate the trained model from x0 = (1, 0)"
odec simulate "$spiral" --tableau RK4 --step 0.1 --steps 50 --x0 1,0 \
  --params "$out/run/best_params.json" --out "$out/trained_traj.csv"
head -n 3 "$out/trained_traj.csv"; echo "   ... $(wc -l < "$out/trained_traj.csv") lines in $out/trained_traj.csv"

step "deploy: the trained model as a standalone C++17 program (odec emit-cpp --main)"
odec emit-cpp "$spiral" --tableau RK4 --params "$out/run/best_params.json" --main \
  -o "$out/spiral_trained.hpp"
c++ -std=c++17 -O2 -x c++ "$out/spiral_trained.hpp" -o "$out/spiral_trained"
"$out/spiral_trained" --step 0.1 --steps 50 --x0 1,0 > "$out/deployed_traj.csv"
# The deployed program must reproduce the JIT's trajectory (to rounding: ≤ 1e-12).
paste -d, "$out/deployed_traj.csv" "$out/trained_traj.csv" | awk -F, 'NR > 1 {
    for (i = 1; i <= 3; ++i) { d = $i - $(i + 3); if (d < 0) d = -d; if (d > m) m = d } }
  END { printf "largest difference from odec simulate: %.3g\n", m; exit !(m <= 1e-12) }'
echo "header: $out/spiral_trained.hpp (standard library only), program: $out/spiral_trained"

step "what odec differentiates: odec derive --what vjp"
odec derive "$spiral" --what vjp

step "the oscillator: a parameter file and a batch of initial states"
printf '{"k": 1.5}\n' > "$out/oscillator_params.json"
printf 'q[1],p[1]\n1,0\n0,1\n0.5,0.5\n' > "$out/oscillator_x0.csv"
odec simulate "$here/oscillator.node" --tableau RK38 --step 0.05 --steps 200 \
  --batch-x0 "$out/oscillator_x0.csv" --params "$out/oscillator_params.json" --out "$out/oscillator.csv"
tail -n 1 "$out/oscillator.csv"
printf '\ndemo finished: outputs in %s/\n' "$out"
