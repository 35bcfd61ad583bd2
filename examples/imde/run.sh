#!/usr/bin/env bash
# The IMDE experiments (science.md §2, Zhu et al. 2022). Usage: examples/imde/run.sh [BUILD_DIR]
# (writes imde_out/; about two minutes on 2 cores). The smoke test sets ODEC, PLOT, OUT and the
# sizes below for a tiny configuration.
#
# 1. Linear: fit ddt(x) = λx (linear.node) to exact samples of x(t) = x0·e^{−t} (λ = −1) with
#    Euler and RK4 at coarse steps h; compare the learned λ with the IMDE prediction of
#    `odec imde` (order 5) and with the exact λ_h, the root of R(hλ_h) = e^{−h}.
#    Out: linear.md (table), lambda.svg (learned λ against h).
# 2. Pendulum: train a Hamiltonian network (pendulum.node) on exact pendulum trajectories with
#    RK4 (not symplectic) and with the implicit midpoint rule (symplectic) at h = 0.1, roll each
#    out with its own solver for ROLLOUT steps, and follow the true energy p²/2 − 10 cos q.
#    Out: pendulum.md (table), energy.svg (energy over the rollouts).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[ -n "${ODEC:-}" ] || cmake --build "$build" --target odec imde_plot -j2 >/dev/null
ODEC=${ODEC:-$build/tools/odec/odec}
PLOT=${PLOT:-$build/examples/imde/imde_plot}
OUT=${OUT:-imde_out}
STEPS_LINEAR=${STEPS_LINEAR:-"0.5 0.25 0.125"}
EPOCHS_LINEAR=${EPOCHS_LINEAR:-2000}
EPOCHS_PENDULUM=${EPOCHS_PENDULUM:-400}
TRAJECTORIES=${TRAJECTORIES:-16}
ROLLOUT=${ROLLOUT:-10000}
mkdir -p "$OUT"

# --- 1. Linear ---------------------------------------------------------------------------
echo '{"lambda": -1.0}' >"$OUT/true.json"
{
  echo "| tableau | h | learned λ | IMDE prediction (order 5) | exact λ_h: R(hλ_h) = e^{hλ} | true λ | learned − IMDE |"
  echo "|---|---|---|---|---|---|---|"
} >"$OUT/linear.md"
for tab in Euler RK4; do echo "h,learned,imde" >"$OUT/lambda_$tab.csv"; done
for h in $STEPS_LINEAR; do
  # Exact flow sampled every h: 4 trajectories of 20 steps, no noise.
  awk -v h="$h" 'BEGIN { print "traj,t,x"; split("1.0 -0.8 0.6 1.5", x0, " ");
    for (k = 1; k <= 4; ++k) for (n = 0; n <= 20; ++n)
      printf "%d,%.17g,%.17g\n", k - 1, n * h, x0[k] * exp(-n * h) }' >"$OUT/data_$h.csv"
  for tab in Euler RK4; do
    "$ODEC" train "$here/linear.node" --tableau "$tab" --step "$h" --data "$OUT/data_$h.csv" \
      --epochs "$EPOCHS_LINEAR" --lr 0.02 --horizon 4 --seed 1 --out "$OUT/run_${tab}_$h" >/dev/null
    "$ODEC" imde "$here/linear.node" --tableau "$tab" --step "$h" --order 5 --at 1 \
      --params "$OUT/true.json" --json >"$OUT/imde_${tab}_$h.json"
    python3 - "$OUT/run_${tab}_$h/best_params.json" "$OUT/imde_${tab}_$h.json" "$tab" "$h" \
      "$OUT/lambda_$tab.csv" >>"$OUT/linear.md" <<'PY'
import json, sys
learned = json.load(open(sys.argv[1]))["lambda"]
learned = learned[0] if isinstance(learned, list) else learned
predicted = json.load(open(sys.argv[2]))["sum"][0]  # f_h(x = 1) = λ_h
tab, h = sys.argv[3], float(sys.argv[4])
R = {"Euler": [1, 1], "RK4": [1, 1, 1 / 2, 1 / 6, 1 / 24]}[tab]
def exact(h):  # the root of R(z) = e^{−h} near −h, divided by h: the exact IMDE λ_h
    import math
    z = -h
    for _ in range(60):
        z -= (sum(c * z**k for k, c in enumerate(R)) - math.exp(-h)) / \
             sum(k * c * z**(k - 1) for k, c in enumerate(R) if k)
    return z / h
open(sys.argv[5], "a").write(f"{h!r},{learned!r},{predicted!r}\n")
print(f"| {tab} | {h} | {learned:.8f} | {predicted:.8f} | {exact(h):.8f} | -1 | {learned - predicted:.2e} |")
PY
  done
done
# The exact λ_h over a fine grid of h, for the figure.
python3 - "$OUT/lambda_exact.csv" <<'PY'
import math, sys
with open(sys.argv[1], "w") as f:
    f.write("h,Euler,RK4,true\n")
    for k in range(1, 121):
        h = k / 200
        row = []
        for R in ([1, 1], [1, 1, 1 / 2, 1 / 6, 1 / 24]):
            z = -h
            for _ in range(60):
                z -= (sum(c * z**i for i, c in enumerate(R)) - math.exp(-h)) / \
                     sum(i * c * z**(i - 1) for i, c in enumerate(R) if i)
            row.append(z / h)
        f.write(f"{h!r},{row[0]!r},{row[1]!r},-1\n")
PY
"$PLOT" --out "$OUT/lambda.svg" --title "Training ddt(x) = λx with a solver of step h learns λ_h, not λ = −1" \
  --x-title "step h" --y-title "λ" \
  "Euler: learned=$OUT/lambda_Euler.csv:h:learned:markers" \
  "Euler: exact IMDE λ_h=$OUT/lambda_exact.csv:h:Euler:dashed" \
  "RK4: learned=$OUT/lambda_RK4.csv:h:learned:markers" \
  "RK4: exact IMDE λ_h=$OUT/lambda_exact.csv:h:RK4:dashed" \
  "true λ=$OUT/lambda_exact.csv:h:true"
cat "$OUT/linear.md"

# --- 2. Pendulum --------------------------------------------------------------------------
node=$here/pendulum.node
echo '{"g": 10.0}' >"$OUT/pendulum.json"
# Exact trajectories (RK4 at h = 0.005, error < 1e-9), sampled every 0.1 for 10 s.
"$ODEC" generate "$node" --model Pendulum --params "$OUT/pendulum.json" --tableau RK4 \
  --step 0.005 --steps 2000 --trajectories "$TRAJECTORIES" --seed 1 --x0-range -1.5,1.5 \
  --out "$OUT/pendulum_fine.csv"
awk -F, 'NR == 1 || (NR - 2) % 20 == 0' "$OUT/pendulum_fine.csv" >"$OUT/pendulum_train.csv"

energy() { # energy IN.csv OUT.csv: t and p²/2 − 10 cos q per row of a `simulate` CSV (t,q,p)
  awk -F, 'NR == 1 { print "t,energy"; next } { printf "%s,%.17g\n", $1, $3 * $3 / 2 - 10 * cos($2) }' \
    "$1" >"$2"
}
{
  echo "| field | solver | best training loss | energy at t = 0 | energy at the end | drift (end − start) | max \\|E − E(0)\\| |"
  echo "|---|---|---|---|---|---|---|"
} >"$OUT/pendulum.md"
summarize() { # summarize LABEL SOLVER LOSS ENERGY.csv
  awk -F, -v label="$1" -v solver="$2" -v loss="$3" 'NR == 2 { e0 = $2 } NR > 1 { d = $2 - e0;
    if (d < 0) d = -d; if (d > m) m = d; last = $2 }
    END { printf "| %s | %s | %s | %.6f | %.6f | %.3e | %.3e |\n", label, solver, loss, e0, last, last - e0, m }' \
    "$4" >>"$OUT/pendulum.md"
}
for tab in RK4 ImplicitMidpoint; do
  "$ODEC" train "$node" --model HamiltonianNet --tableau "$tab" --step 0.1 \
    --data "$OUT/pendulum_train.csv" --epochs "$EPOCHS_PENDULUM" --lr 0.005 --horizon 5 \
    --batch 32 --seed 1 --out "$OUT/run_$tab" >/dev/null
  loss=$(sed -n 's/.*"best_loss": *\([^,}]*\).*/\1/p' "$OUT/run_$tab/summary.json")
  for field in HamiltonianNet Pendulum; do
    params=$OUT/run_$tab/best_params.json
    [ "$field" = Pendulum ] && params=$OUT/pendulum.json
    "$ODEC" -w simulate "$node" --model "$field" --params "$params" --tableau "$tab" --step 0.1 \
      --steps "$ROLLOUT" --x0 1,0 --out "$OUT/rollout_${field}_$tab.csv"
    energy "$OUT/rollout_${field}_$tab.csv" "$OUT/energy_${field}_$tab.csv"
  done
  summarize "Hamiltonian net trained with $tab" "$tab" "$loss" "$OUT/energy_HamiltonianNet_$tab.csv"
  summarize "true pendulum" "$tab" "—" "$OUT/energy_Pendulum_$tab.csv"
done
"$PLOT" --out "$OUT/energy.svg" --title "Pendulum energy p²/2 − 10 cos q over a rollout of $ROLLOUT steps (h = 0.1)" \
  --x-title "t" --y-title "energy" \
  "HNN trained with RK4=$OUT/energy_HamiltonianNet_RK4.csv:t:energy" \
  "HNN trained with implicit midpoint=$OUT/energy_HamiltonianNet_ImplicitMidpoint.csv:t:energy" \
  "true field, RK4=$OUT/energy_Pendulum_RK4.csv:t:energy:dashed" \
  "true field, implicit midpoint=$OUT/energy_Pendulum_ImplicitMidpoint.csv:t:energy:dashed"
cat "$OUT/pendulum.md"
drift() { awk -F, 'NR == 2 { e0 = $2 } END { d = $2 - e0; print d < 0 ? -d : d }' "$1"; }
awk -v rk4="$(drift "$OUT/energy_HamiltonianNet_RK4.csv")" \
  -v im="$(drift "$OUT/energy_HamiltonianNet_ImplicitMidpoint.csv")" \
  'BEGIN { printf "energy drift of the trained nets, implicit midpoint / RK4: %.3g\n", im / rk4 }'
