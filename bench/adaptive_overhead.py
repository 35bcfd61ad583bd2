#!/usr/bin/python3
"""What the adaptive loop costs against the fixed-step solver taking as many steps (issue 18:
W1 with DormandPrince5 at a tolerance that yields ~100 steps within 1.5x of the fixed-step
solve of the same number of steps). W1 of bench/workloads.node (D = 2, H = 64, B = 256,
float64) from t = 0 to 5, DormandPrince5 both ways: adaptive with rtol = atol chosen so that
the batch's trajectories take about 100 accepted steps, and fixed with the largest accepted
count as its steps (the adaptive chunk runs until its slowest lane is done). Medians of
interleaved blocks; the instruction set is the JIT's default target (odec.target_cpu(), or
ODEC_CPU).

    PYTHONPATH=build/python python3 bench/adaptive_overhead.py [--blocks 15]
"""
import argparse
import os
import statistics
import time

import numpy as np

import odec

W1 = """
model W1
    state x::Vector{2}
    param W1::Matrix{64,2} ~ Normal(0, 0.5)
    param b1::Vector{64}   ~ Normal(0, 0.1)
    param W2::Matrix{2,64} ~ Glorot()
    param b2::Vector{2}    ~ Zeros()
    ddt(x) = W2 * tanh.(W1 * x .+ b1) .+ b2
end
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=15)
    args = ap.parse_args()
    B, T = 256, 5.0
    m = odec.compile_source(W1, "w1.node").model("W1")
    params = m.sample_params(1)
    x0 = np.random.default_rng(0).normal(size=(B, 2))
    times = np.array([0.0, T])
    tol = 1e-3
    while True:  # the tolerance at which the median trajectory takes about 100 steps
        _, info = m.solve_adaptive(params, x0, times, rtol=tol, atol=tol)
        if np.median(info["accepted"]) >= 100 or tol < 1e-14:
            break
        tol /= 2
    steps = max(info["accepted"])
    adaptive = lambda: m.solve_adaptive(params, x0, times, rtol=tol, atol=tol)
    fixed = lambda: m.simulate(params, x0, tableau="DormandPrince5", step=T / steps, steps=steps)
    adaptive(), fixed()
    ta, tf = [], []
    for _ in range(args.blocks):
        for fn, out in ((adaptive, ta), (fixed, tf)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    ma, mf = statistics.median(ta) * 1e3, statistics.median(tf) * 1e3
    print(f"W1, B={B}, DormandPrince5, t = 0..{T}; JIT target: "
          f"{os.environ.get('ODEC_CPU', 'this machine')}")
    print(f"rtol = atol = {tol:.3g}: accepted steps per trajectory {min(info['accepted'])}.."
          f"{steps} (median {np.median(info['accepted']):.0f}), rejected "
          f"{sum(info['rejected'])} in all")
    print(f"{'solve':<34}{'ms':>8}{'ratio':>8}")
    print(f"{'fixed, ' + str(steps) + ' steps':<34}{mf:>8.2f}{1:>8.2f}")
    print(f"{'adaptive':<34}{ma:>8.2f}{ma / mf:>8.2f}")


if __name__ == "__main__":
    main()
