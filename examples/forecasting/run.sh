#!/bin/sh
# Forecasting a multivariate time series from a known nonlinear system (Lotka–Volterra):
#   1. noisy observations (σ = 0.02) of 16 training and 4 validation trajectories, 15 s each;
#   2. a neural ODE (lotka_volterra.node, model Forecaster) trained on them with `odec train`;
#   3. a 30 s forecast from a new initial state, plotted against the noise-free truth.
# Usage: examples/forecasting/run.sh [BUILD_DIR]   (writes forecasting_out/; about a minute)
# The smoke test sets ODEC, PLOT, OUT, EPOCHS and TRAJECTORIES for a tiny configuration.
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[ -n "$ODEC" ] || cmake --build "$build" --target odec forecast_plot -j2
ODEC=${ODEC:-$build/tools/odec/odec}
PLOT=${PLOT:-$build/examples/forecasting/forecast_plot}
OUT=${OUT:-forecasting_out}
EPOCHS=${EPOCHS:-150}
TRAJECTORIES=${TRAJECTORIES:-16}
node=$here/lotka_volterra.node
mkdir -p "$OUT"

gen() { # gen SEED TRAJECTORIES STEPS NOISE FILE
  "$ODEC" generate "$node" --model LotkaVolterra --params "$here/lotka_volterra.json" \
    --tableau RK4 --step 0.1 --x0-range 0.5,1.5 --seed "$1" --trajectories "$2" --steps "$3" \
    --noise "$4" --out "$5"
}
gen 1 "$TRAJECTORIES" 150 0.02 "$OUT/train.csv"
gen 2 4 150 0.02 "$OUT/val.csv"
gen 3 1 300 0 "$OUT/truth.csv"

"$ODEC" train "$node" --model Forecaster --tableau RK4 --step 0.1 --data "$OUT/train.csv" \
  --val "$OUT/val.csv" --horizon 10 --batch 32 --lr 0.01 --clip 1 --epochs "$EPOCHS" --seed 1 \
  --out "$OUT/run"

x0=$(sed -n 2p "$OUT/truth.csv" | cut -d, -f3-)
"$ODEC" simulate "$node" --model Forecaster --params "$OUT/run/best_params.json" \
  --tableau RK4 --step 0.1 --steps 300 --x0 "$x0" --out "$OUT/predicted.csv"
"$PLOT" "$node" --model Forecaster --step 0.1 --truth "$OUT/truth.csv" \
  --predicted "$OUT/predicted.csv" --score-until 15 --out "$OUT/forecast.svg"
