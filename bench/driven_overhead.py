#!/usr/bin/python3
"""What reading an input and the time costs the fused solvers (issue 17: one input on W1
within 1.3x of the input-free time). W1 of bench/workloads.node (D = 2, H = 64, B = 256,
h = 0.05, 100 steps, RK4, float64) against the same field driven by one Linear input, and by
that input and sin(t):

    ddt(x) = W2 * tanh.(W1 * [x; u] .+ b1) .+ b2                    (W1: 64 x 3)
    ddt(x) = W2 * tanh.(W1 * [x; u] .+ b1) .+ b2 .+ 0.1 .* sin(t)

The input's column makes the first layer 3/2 as wide, and sin(t) is evaluated per trajectory
and stage: both are field work the input-free model does not do.

Each row times the package's simulate and vjp (forward solve + discrete adjoint), medians of
interleaved blocks; the driven columns include computing the stage values on the host
(interpolation of every stage time of every trajectory). The instruction set is the JIT's
default target for this machine (odec.target_cpu(), or ODEC_CPU).

    PYTHONPATH=build/python python3 bench/driven_overhead.py [--blocks 15]
"""
import argparse
import os
import statistics
import time

import numpy as np

import odec

PLAIN = """
model Plain
    state x::Vector{2}
    param W1::Matrix{64,3} ~ Normal(0, 0.5)
    param b1::Vector{64}   ~ Normal(0, 0.1)
    param W2::Matrix{2,64} ~ Glorot()
    param b2::Vector{2}    ~ Zeros()
    ddt(x) = W2 * tanh.(W1[:, 1:2] * x .+ b1) .+ b2
end
"""

DRIVEN = """
model Driven
    state x::Vector{2}
    input u::Real ~ Linear()
    param W1::Matrix{64,3} ~ Normal(0, 0.5)
    param b1::Vector{64}   ~ Normal(0, 0.1)
    param W2::Matrix{2,64} ~ Glorot()
    param b2::Vector{2}    ~ Zeros()
    ddt(x) = W2 * tanh.(W1 * [x; u] .+ b1) .+ b2%s
end
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=15)
    args = ap.parse_args()
    B, N, h = 256, 100, 0.05
    plain = odec.compile_source(PLAIN, "plain.node").model("Plain")
    driven = odec.compile_source(DRIVEN % "", "driven.node").model("Driven")
    timed = odec.compile_source(DRIVEN % " .+ 0.1 .* sin(t)", "timed.node").model("Driven")
    params = plain.sample_params(1)
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(B, 2))
    times = np.linspace(0.0, N * h, 201)
    signal = (times, np.sin(3 * times))
    cot = rng.normal(size=(B, N + 1, 2))
    cases = {
        "simulate": [lambda m=m: m.simulate(params, x0, step=h, steps=N, inputs=signal)
                     for m in (driven, timed)],
        "simulate + vjp": [lambda m=m: m.vjp(params, x0, cot, step=h, inputs=signal)
                           for m in (driven, timed)],
    }
    cases["simulate"].insert(0, lambda: plain.simulate(params, x0, step=h, steps=N))
    cases["simulate + vjp"].insert(0, lambda: plain.vjp(params, x0, cot, step=h))
    for fns in cases.values():  # compile and warm up
        for fn in fns:
            fn()
    print(f"W1-sized field, B={B}, N={N}, RK4, float64; JIT target: "
          f"{os.environ.get('ODEC_CPU', 'this machine')}")
    print(f"{'call':<16}{'plain ms':>10}{'input ms':>10}{'ratio':>7}{'input+t ms':>12}{'ratio':>7}")
    for name, fns in cases.items():
        ts = [[] for _ in fns]
        for _ in range(args.blocks):
            for fn, out in zip(fns, ts):
                start = time.perf_counter()
                fn()
                out.append(time.perf_counter() - start)
        m = [statistics.median(t) * 1e3 for t in ts]
        print(f"{name:<16}{m[0]:>10.2f}{m[1]:>10.2f}{m[1] / m[0]:>7.2f}"
              f"{m[2]:>12.2f}{m[2] / m[0]:>7.2f}")


if __name__ == "__main__":
    main()
