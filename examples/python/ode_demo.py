#!/usr/bin/python3
"""torchdiffeq's examples/ode_demo.py problem, trained through odec.torch.

The data: 1000 samples on t in [0, 25] of dy/dt = (y^3) @ [[-0.1, 2], [-2, -0.1]] from
y0 = (2, 0). The model: an MLP 2-50-2 on y^3 (ode_demo.node, model OdeFunc). Each optimizer
step draws 20 windows of 10 consecutive samples, solves from each window's first sample with
the 3/8-rule RK4 (torchdiffeq's fixed-step "rk4", odec's RK38) on the sample grid, and takes
torch's Adam step on the mean absolute error, as torchdiffeq's demo does (which uses RMSprop).

With --compare (the default) the same loop also runs with the ODE solved by a plain-PyTorch
RK38 loop over the same MLP (torch autograd for the backward pass), and, when the package
`torchdiffeq` can be imported (it is not packaged for Debian: put a copy of its source on
PYTHONPATH), with torchdiffeq's own `odeint(..., method="rk4")` (its fixed-grid 3/8 rule, as in
its demo, backpropagation through the solver); the per-step times are printed side by side.

    PYTHONPATH=build/python python3 examples/python/ode_demo.py [--niters 3000] [--threads 1]
"""
import argparse
import os
import time

import numpy as np
import torch

import odec
import odec.torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_SIZE, BATCH_TIME, BATCH_SIZE, T_END = 1000, 10, 20, 25.0


def true_trajectory():
    """The data: the true field solved with RK4 at a tenth of the sample spacing."""
    true = odec.load(os.path.join(HERE, "ode_demo.node")).model("TrueSpiral")
    dt = T_END / (DATA_SIZE - 1)
    fine = true.simulate({}, [2.0, 0.0], tableau="RK4", step=dt / 10, steps=10 * (DATA_SIZE - 1))
    return torch.from_numpy(fine[0, ::10].copy()), dt


def get_batch(true_y, rng):
    s = rng.choice(DATA_SIZE - BATCH_TIME, BATCH_SIZE, replace=False)
    # One gather of every window, (M, T, D), in NumPy, instead of torchdiffeq's demo's T torch
    # gathers and a stack: the same tensors, ~70 us less per step in every loop timed here.
    windows = torch.from_numpy(true_y.numpy()[s[:, None] + np.arange(BATCH_TIME)])
    return windows[:, 0], windows


class TorchOdeFunc(torch.nn.Module):
    """torchdiffeq's ODEFunc: net(y**3)."""

    def __init__(self, params):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(2, 50), torch.nn.Tanh(),
                                       torch.nn.Linear(50, 2)).double()
        with torch.no_grad():  # the same start as odec's module
            self.net[0].weight.copy_(torch.from_numpy(params["W1"]))
            self.net[0].bias.copy_(torch.from_numpy(params["b1"]))
            self.net[2].weight.copy_(torch.from_numpy(params["W2"]))
            self.net[2].bias.copy_(torch.from_numpy(params["b2"]))

    def forward(self, y):
        return self.net(y ** 3)


def rk38_loop(f, y0, steps, h):
    """The 3/8-rule RK4 in plain PyTorch: (M, D) -> (M, steps+1, D)."""
    ys, y = [y0], y0
    for _ in range(steps):
        k1 = f(y)
        k2 = f(y + h * k1 / 3)
        k3 = f(y + h * (k2 - k1 / 3))
        k4 = f(y + h * (k1 - k2 + k3))
        y = y + h * (k1 + 3 * (k2 + k3) + k4) / 8
        ys.append(y)
    return torch.stack(ys, dim=1)


def train(name, solve, parameters, true_y, args):
    """Adam on the windows' mean absolute error; returns seconds per optimizer step."""
    rng = np.random.default_rng(args.seed)
    opt = torch.optim.Adam(parameters, lr=args.lr)
    start = time.perf_counter()
    for itr in range(1, args.niters + 1):
        y0, windows = get_batch(true_y, rng)
        opt.zero_grad()
        loss = (solve(y0, BATCH_TIME - 1) - windows).abs().mean()
        loss.backward()
        opt.step()
        if itr % args.test_freq == 0 or itr == args.niters:
            with torch.no_grad():
                full = solve(true_y[:1], DATA_SIZE - 1)
                total = (full[0] - true_y).abs().mean().item()
            print(f"{name}: iter {itr:5d}  batch loss {loss.item():.6f}  "
                  f"full-trajectory loss {total:.6f}", flush=True)
    return (time.perf_counter() - start) / args.niters


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--niters", type=int, default=3000)
    ap.add_argument("--test_freq", type=int, default=500)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch's intra-op threads")
    ap.add_argument("--no-compare", dest="compare", action="store_false",
                    help="train with odec only")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    true_y, dt = true_trajectory()
    # flat=True: the parameters as one tensor, so that Adam and zero_grad run once per step
    # instead of once per weight and bias (the loop's largest cost after the solve itself).
    ode = odec.torch.NeuralODE(os.path.join(HERE, "ode_demo.node"), model="OdeFunc",
                               tableau="RK38", step=dt, init="prior", seed=args.seed, flat=True)
    start_params = ode.params_numpy()
    ode.model.compile("RK38", vjp=True)  # JIT time is not part of the per-step time
    ode.model.compile("RK38")
    odec_step = train("odec ", ode, ode.parameters(), true_y, args)
    print(f"odec.torch: {1e3 * odec_step:.3f} ms per optimizer step")
    if args.compare:
        func = TorchOdeFunc(start_params)
        torch_step = train("torch", lambda y0, steps: rk38_loop(func, y0, steps, dt),
                           func.parameters(), true_y, args)
        print(f"plain PyTorch RK38 loop: {1e3 * torch_step:.3f} ms per optimizer step")
        print(f"odec.torch is {torch_step / odec_step:.1f}x faster per step "
              f"({args.threads} torch thread{'s' if args.threads > 1 else ''})")
        try:
            import torchdiffeq
        except ImportError:
            print("torchdiffeq: not importable, not compared")
            return
        func = TorchOdeFunc(start_params)
        grid = torch.arange(BATCH_TIME, dtype=torch.float64) * dt

        def torchdiffeq_solve(y0, steps):
            t = grid if steps == BATCH_TIME - 1 else torch.arange(steps + 1,
                                                                  dtype=torch.float64) * dt
            return torchdiffeq.odeint(lambda _, y: func(y), y0, t, method="rk4").transpose(0, 1)

        tdq_step = train("tdq  ", torchdiffeq_solve, func.parameters(), true_y, args)
        print(f"torchdiffeq {torchdiffeq.__version__} odeint rk4: {1e3 * tdq_step:.3f} ms per "
              f"optimizer step; odec.torch is {tdq_step / odec_step:.1f}x faster per step")


if __name__ == "__main__":
    main()
