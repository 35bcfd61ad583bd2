#!/usr/bin/python3
"""The cost of calling odec from Python (issue 16's targets), in one run:

1. The Python boundary on W1 (bench/workloads.node: D = 2, H = 64, B = 256, h = 0.05, 100
   steps, RK4, float64): each call through the package (odec.Model.simulate, Model.vjp, and
   odec.torch's forward + backward) against the same host-API calls timed inside C++
   (odec._core._native_seconds); overhead = python / native - 1 (target: <= 5 %).
2. The ode_demo problem (examples/python/ode_demo.py: MLP 2-50-2 on y^3, RK38, 20 windows of
   10 samples, Adam): milliseconds per optimizer step through odec.torch (its parameters as one
   flat tensor, as the example holds them, and as one tensor per weight and bias), through a
   plain PyTorch RK38 loop with torch autograd and, when the package `torchdiffeq` can be
   imported (put its source on PYTHONPATH), through torchdiffeq's odeint(method="rk4");
   same thread count; the ratios to odec.torch (issue 16's target: >= 20x torchdiffeq).
   Before it, the fused solve (and solve + reverse sweep) of such a step inside C++ at batch
   16, 20 and 24, which shows what a half-full last chunk costs.

    PYTHONPATH=build/python python3 bench/python_boundary.py [--threads 1] [--json out.json]
    cmake --build build --target bench_python   # the same; JSON: build/bench/python_results.json

Timings interleave the contenders block by block and report medians, so a machine whose load
changes during the run shifts both alike.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

import odec

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def median_seconds(fn, calls):
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def boundary(blocks, calls):
    import torch
    import odec.torch
    m = odec.load(os.path.join(HERE, "workloads.node")).model("W1")
    p = m.sample_params(1)
    flat = m.flatten(p)
    rng = np.random.default_rng(0)
    B, steps, h = 256, 100, 0.05
    x0 = rng.uniform(-1, 1, (B, 2))
    cot = rng.uniform(-1, 1, (B, steps + 1, 2))
    ode = odec.torch.NeuralODE(os.path.join(HERE, "workloads.node"), model="W1", init=p,
                               tableau="RK4", step=h)
    tx0, tcot = torch.from_numpy(x0), torch.from_numpy(cot)

    def torch_step():
        ode.zero_grad(set_to_none=True)
        ode(tx0, steps).backward(tcot)

    cases = {
        "forward": ("simulate", lambda: m.simulate(p, x0, tableau="RK4", step=h, steps=steps)),
        "forward+vjp": ("vjp", lambda: m.vjp(p, x0, cot, tableau="RK4", step=h)),
        "torch forward+backward": ("simulate+sweep", torch_step),
    }
    out = {}
    for name, (native, call) in cases.items():
        call()  # compile
        py, nat = [], []
        for _ in range(blocks):
            py += median_seconds(call, calls)
            nat += odec._core._native_seconds(m._core, native, flat, x0, cot, steps,
                                              h, "RK4", calls)
        mp, mn = statistics.median(py), statistics.median(nat)
        out[name] = {"python_ms": 1e3 * mp, "native_ms": 1e3 * mn,
                     "overhead_percent": 100 * (mp / mn - 1)}
        print(f"W1 {name:24s} python {1e3 * mp:8.3f} ms   native {1e3 * mn:8.3f} ms   "
              f"overhead {100 * (mp / mn - 1):+6.2f} %", flush=True)
    return out


def ode_demo(steps, blocks):
    import torch
    sys.path.insert(0, os.path.join(ROOT, "examples", "python"))
    import ode_demo as demo
    import odec.torch
    true_y, dt = demo.true_trajectory()
    source = os.path.join(ROOT, "examples", "python", "ode_demo.node")
    flat = odec.torch.NeuralODE(source, model="OdeFunc", tableau="RK38", step=dt, init="prior",
                                seed=0, flat=True)
    named = odec.torch.NeuralODE(source, model="OdeFunc", tableau="RK38", step=dt,
                                 init="prior", seed=0)
    func = demo.TorchOdeFunc(flat.params_numpy())
    contenders = {
        "odec.torch": (lambda y0, n: flat(y0, n), list(flat.parameters())),
        "odec.torch named": (lambda y0, n: named(y0, n), list(named.parameters())),
        "torch loop": (lambda y0, n: demo.rk38_loop(func, y0, n, dt), list(func.parameters())),
    }
    try:
        import torchdiffeq
        tfunc = demo.TorchOdeFunc(flat.params_numpy())
        grid = torch.arange(demo.BATCH_TIME, dtype=torch.float64) * dt
        contenders["torchdiffeq"] = (
            lambda y0, n: torchdiffeq.odeint(lambda _, y: tfunc(y), y0, grid,
                                             method="rk4").transpose(0, 1),
            list(tfunc.parameters()))
    except ImportError:
        print("torchdiffeq: not importable, not compared")
    times = {k: [] for k in contenders}
    state = {}
    for k, (solve, params) in contenders.items():
        state[k] = (solve, torch.optim.Adam(params, lr=1e-3), np.random.default_rng(0))
    for _ in range(blocks):
        for k, (solve, opt, rng) in state.items():
            for _ in range(steps):
                start = time.perf_counter()
                y0, windows = demo.get_batch(true_y, rng)
                opt.zero_grad()
                (solve(y0, demo.BATCH_TIME - 1) - windows).abs().mean().backward()
                opt.step()
                times[k].append(time.perf_counter() - start)
    out = {k: 1e3 * statistics.median(v) for k, v in times.items()}
    print("ode_demo per optimizer step (median ms; ratio = its time / odec.torch's):")
    for k, ms in out.items():
        print(f"  {k:18s} {ms:7.3f} ms  {ms / out['odec.torch']:5.1f}x", flush=True)
    result = {"odec_torch_ms": out["odec.torch"], "odec_torch_named_ms": out["odec.torch named"],
              "torch_loop_ms": out["torch loop"], "ratio": out["torch loop"] / out["odec.torch"]}
    if "torchdiffeq" in out:
        result["torchdiffeq_ms"] = out["torchdiffeq"]
        result["torchdiffeq_ratio"] = out["torchdiffeq"] / out["odec.torch"]
    return result


def last_chunk(blocks, calls):
    """The ode_demo solve and solve + reverse sweep (RK38, 9 steps) timed inside C++ at batch
    16, 20 and 24: 20 runs its last 4 trajectories in 4-lane code (BatchVariants::forParts),
    24 a third full chunk (at 8 lanes, what 20 cost before). Interleaved, medians."""
    m = odec.load(os.path.join(ROOT, "examples", "python", "ode_demo.node")).model("OdeFunc")
    flat = m.flatten(m.sample_params(0))
    rng = np.random.default_rng(0)
    out, times = {}, {}
    for _ in range(blocks):
        for batch in (16, 20, 24):
            x = rng.uniform(-2, 2, size=(batch, 2))
            cot = np.ones((batch, 10, 2))
            for what in ("simulate", "simulate+sweep"):
                times.setdefault((batch, what), []).extend(odec._core._native_seconds(
                    m._core, what, flat, x, cot, 9, 0.025, "RK38", calls))
    for (batch, what), t in times.items():
        out[f"{what} batch {batch}"] = 1e6 * statistics.median(t)
    print("ode_demo in C++ (us):", "  ".join(f"{k} {v:.1f}" for k, v in out.items()), flush=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="torch's intra-op threads")
    ap.add_argument("--blocks", type=int, default=10)
    ap.add_argument("--calls", type=int, default=20, help="W1 calls per block")
    ap.add_argument("--demo-steps", type=int, default=100, help="ode_demo steps per block")
    ap.add_argument("--json", help="also write the numbers here")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    result = {"threads": args.threads, "cpus": os.cpu_count(),
              "w1_boundary": boundary(args.blocks, args.calls),
              "ode_demo_last_chunk_us": last_chunk(args.blocks, 200),
              "ode_demo": ode_demo(args.demo_steps, args.blocks)}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
