#!/usr/bin/env bash
# IMDE experiment (science.md §2): fit ddt(x) = λx to exact samples of x(t) = x0·e^{−t}
# (λ = −1) with Euler and RK4 at coarse steps, and compare the learned λ with the IMDE
# prediction from `odec imde` (order 5). Usage: examples/imde/run.sh BUILD_DIR [OUT_DIR]
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [OUT_DIR]}
out=${2:-imde_out}
odec="$build/tools/odec/odec"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
echo '{"lambda": -1.0}' >"$out/true.json"

echo "| tableau | h | learned λ | IMDE prediction (order 5) | exact λ_h: R(hλ_h) = e^{hλ} | true λ | learned − IMDE |" >"$out/table.md"
echo "|---|---|---|---|---|---|---|" >>"$out/table.md"
for h in 0.5 0.25; do
  # Exact flow sampled every h: 4 trajectories of 20 steps, no noise.
  awk -v h="$h" 'BEGIN { print "traj,t,x"; split("1.0 -0.8 0.6 1.5", x0, " ");
    for (k = 1; k <= 4; ++k) for (n = 0; n <= 20; ++n)
      printf "%d,%.17g,%.17g\n", k - 1, n * h, x0[k] * exp(-n * h) }' >"$out/data_$h.csv"
  for tab in Euler RK4; do
    "$odec" train "$here/linear.node" --tableau "$tab" --step "$h" --data "$out/data_$h.csv" \
      --epochs 2000 --lr 0.02 --horizon 4 --seed 1 --out "$out/run_${tab}_$h" >/dev/null
    "$odec" imde "$here/linear.node" --tableau "$tab" --step "$h" --order 5 --at 1 \
      --params "$out/true.json" --json >"$out/imde_${tab}_$h.json"
    python3 - "$out/run_${tab}_$h/best_params.json" "$out/imde_${tab}_$h.json" "$tab" "$h" \
      >>"$out/table.md" <<'PY'
import json, math, sys
learned = json.load(open(sys.argv[1]))["lambda"]
learned = learned[0] if isinstance(learned, list) else learned
predicted = json.load(open(sys.argv[2]))["sum"][0]  # f_h(x = 1) = λ_h
tab, h = sys.argv[3], float(sys.argv[4])
# The exact IMDE of a linear field: the root of R(z) = e^{−h} near −h, R the stability polynomial.
R = {"Euler": [1, 1], "RK4": [1, 1, 1 / 2, 1 / 6, 1 / 24]}[tab]
z = -h
for _ in range(50):
    value = sum(c * z**k for k, c in enumerate(R)) - math.exp(-h)
    z -= value / sum(k * c * z**(k - 1) for k, c in enumerate(R) if k)
print(f"| {tab} | {h} | {learned:.8f} | {predicted:.8f} | {z / h:.8f} | -1 | {learned - predicted:.2e} |")
PY
  done
done
cat "$out/table.md"
