#!/usr/bin/python3
"""What the adaptive loop costs against the fixed-step solver taking as many steps (issue 18:
W1 with DormandPrince5 at a tolerance that yields ~100 steps within 1.5x of the fixed-step
solve of the same number of steps). W1 of bench/workloads.node (D = 2, H = 64, B = 256,
float64) from t = 0 to 5, DormandPrince5 both ways: adaptive with rtol = atol chosen so that
the median trajectory takes about 100 accepted steps, and fixed with the largest accepted count
as its steps (writing every step, where the adaptive solve writes the end state). Two batches:
one initial state repeated (every lane takes the same steps: the loop's own overhead) and
random ones (lanes take 40–220 steps; a chunk runs until its slowest lane is done). Medians of
interleaved blocks; the instruction set is the JIT's default target (this machine's, or ODEC_CPU).

    PYTHONPATH=build/python python3 bench/adaptive_overhead.py [--blocks 15]
"""
import argparse

import numpy as np

import odec
from interleaved import jit_target, timed

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


def tolerance_for(m, params, x0, times, median_steps=100):
    """The tolerance (halving from 1e-3) at which the median trajectory takes ~100 steps."""
    tol = 1e-3
    while True:
        _, info = m.solve_adaptive(params, x0, times, rtol=tol, atol=tol)
        if np.median(info["accepted"]) >= median_steps or tol < 1e-14:
            return tol, info
        tol /= 2


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=15)
    args = ap.parse_args()
    B, T = 256, 5.0
    m = odec.compile_source(W1, "w1.node").model("W1")
    params = m.sample_params(1)
    times = np.array([0.0, T])
    rng = np.random.default_rng(0)
    cases = {"one x0 repeated": np.repeat(rng.normal(size=(1, 2)), B, axis=0),
             "random x0": rng.normal(size=(B, 2))}
    print(f"W1, B={B}, DormandPrince5, t = 0..{T}; JIT target: {jit_target()}")
    print(f"{'batch':<18}{'tol':>9}{'steps':>12}{'rejected':>10}{'fixed ms':>10}"
          f"{'adaptive ms':>13}{'ratio':>7}")
    for name, x0 in cases.items():
        tol, info = tolerance_for(m, params, x0, times)
        steps = max(info["accepted"])
        mf, ma = timed([
            lambda: m.simulate(params, x0, tableau="DormandPrince5", step=T / steps, steps=steps),
            lambda: m.solve_adaptive(params, x0, times, rtol=tol, atol=tol)], args.blocks)
        span = f"{min(info['accepted'])}..{steps}"
        print(f"{name:<18}{tol:>9.2g}{span:>12}{sum(info['rejected']):>10}{mf:>10.2f}"
              f"{ma:>13.2f}{ma / mf:>7.2f}")


if __name__ == "__main__":
    main()
