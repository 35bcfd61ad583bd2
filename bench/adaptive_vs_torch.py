#!/usr/bin/python3
"""odec's adaptive DormandPrince5 against a plain-PyTorch dopri5 loop, per solve (issue 18's
target: the ode_demo field, rtol 1e-7, atol 1e-9, batch 20, 10 observation times; forward and
forward + gradient >= 50x faster than torchdiffeq's dopri5 with backpropagation through the
solver, at about the same number of accepted steps).

torchdiffeq is not packaged for Debian (python3-torch is), so the reference is its dopri5
algorithm written out here in PyTorch the way torchdiffeq runs it: one step size for the whole
batch (the RMS error norm over every element, what torchdiffeq's default norm does), Hairer's
first step, the I controller (safety 0.9, factors 0.2-10, exponent 1/5), FSAL, and outputs
between step ends by dense output (Shampine's extension here; torchdiffeq fits a quartic through
the step's midpoint, the same few tensor operations per output). Step-size control runs under
no_grad, and the gradient is backpropagation through every accepted step (odeint, not
odeint_adjoint). odec runs the same pair with the same controller (pi_beta=0), each trajectory
with its own step size; its forward interpolates (dense output) and its gradient
(adaptive_loss) differentiates that dense output exactly through the accepted steps. Stepping on
its own, an odec trajectory takes fewer steps than the batch at the same tolerances, so odec is
timed again at the tightest rtol whose mean accepted steps per trajectory are within 10 % of the
batch's (equal steps).
Both float64, one thread. The field: ode_demo's MLP 2-50-2 on y.^3 with weights drawn at a
scale that makes the dynamics non-trivial (N(0, 1) for W1 and W2/sqrt(50)), windows of 10
samples 0.025 apart as in ode_demo, initial states uniform in [-2, 2]. Medians of interleaved
blocks (each contender `--repeat` calls in a row per block); the table names the instruction set of odec's JIT (ODEC_CPU, or this machine's).

With a copy of torchdiffeq's source on PYTHONPATH, torchdiffeq's own `odeint(..., method=
"dopri5")` is timed as a third contender (forward under no_grad, and backpropagation through it).

    PYTHONPATH=build/python[:/path/to/torchdiffeq] python3 bench/adaptive_vs_torch.py \
        [--blocks 9] [--repeat 10]
"""
import argparse

import numpy as np
import torch

import odec
from interleaved import jit_target, timed

FIELD = """
model ODEFunc
    state y::Vector{2}
    param W1::Matrix{50,2} ~ Normal(0, 1)
    param b1::Vector{50}   ~ Normal(0, 0.5)
    param W2::Matrix{2,50} ~ Normal(0, 0.1414)
    param b2::Vector{2}    ~ Zeros()
    ddt(y) = W2 * tanh.(W1 * (y .^ 3) .+ b1) .+ b2
end
"""

C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1]
A = [[], [1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
     [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
     [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
     [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]]
B = A[6] + [0]
E = [35 / 384 - 5179 / 57600, 0, 500 / 1113 - 7571 / 16695, 125 / 192 - 393 / 640,
     -2187 / 6784 + 92097 / 339200, 11 / 84 - 187 / 2100, -1 / 40]
# Shampine's continuous extension: b_i(θ) = Σ_j DENSE[i][j] θ^(j+1).
DENSE = [[1, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
         [0, 0, 0, 0],
         [0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799],
         [0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
         [0, 127303824393 / 49829197408, -318862633887 / 49829197408,
          701980252875 / 199316789632],
         [0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
         [0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423]]


def rms(x):
    return x.pow(2).mean().sqrt()


def torch_dopri5(f, y0, times, rtol, atol):
    """Outputs at times (K, B, D) and the number of accepted and rejected steps."""
    with torch.no_grad():  # Hairer's first step, as torchdiffeq's _select_initial_step
        f0 = f(y0)
        scale = atol + rtol * y0.abs()
        d0, d1 = rms(y0 / scale), rms(f0 / scale)
        h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else float(0.01 * d0 / d1)
        d2 = rms((f(y0 + h0 * f0) - f0) / scale) / h0
        big = max(float(d1), float(d2))
        h1 = max(1e-6, h0 * 1e-3) if big <= 1e-15 else (0.01 / big) ** (1 / 5)
        h = min(100 * h0, h1)
    t, y, k1 = float(times[0]), y0, f(y0)
    out, n, accepted, rejected = [y0], 1, 0, 0
    while n < len(times):
        h = min(h, float(times[-1]) - t)
        k = [k1]
        for i in range(1, 7):
            k.append(f(y + h * sum(a * kj for a, kj in zip(A[i], k) if a != 0)))
        y1 = y + h * sum(b * ki for b, ki in zip(B, k) if b != 0)
        with torch.no_grad():
            err = h * sum(e * ki for e, ki in zip(E, k) if e != 0)
            ratio = float(rms(err / (atol + rtol * torch.maximum(y.abs(), y1.abs()))))
        if ratio <= 1:
            while n < len(times) and float(times[n]) <= t + h * (1 + 1e-14):
                theta = (float(times[n]) - t) / h
                w = [sum(c * theta ** (j + 1) for j, c in enumerate(row)) for row in DENSE]
                out.append(y + h * sum(wi * ki for wi, ki in zip(w, k) if wi != 0))
                n += 1
            t, y, k1 = t + h, y1, k[6]
            accepted += 1
        else:
            rejected += 1
        factor = 10.0 if ratio == 0 else min(10.0, max(0.2, 0.9 / ratio ** 0.2))
        h *= min(factor, 1.0) if ratio > 1 else factor
    return torch.stack(out), accepted, rejected


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=9)
    ap.add_argument("--repeat", type=int, default=10,
                    help="calls in a row per contender and block (1: strictly alternating)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    rtol, atol, batch = 1e-7, 1e-9, 20
    m = odec.compile_source(FIELD).model("ODEFunc")
    params = m.sample_params(1)
    rng = np.random.default_rng(2)
    x0 = rng.uniform(-2, 2, size=(batch, 2))
    times = 0.025 * np.arange(10)
    targets = rng.uniform(-2, 2, size=(batch, 9, 2))

    W1, b1 = (torch.tensor(params[n], requires_grad=True) for n in ("W1", "b1"))
    W2, b2 = (torch.tensor(params[n], requires_grad=True) for n in ("W2", "b2"))

    def field(y):
        return torch.tanh((y ** 3) @ W1.T + b1) @ W2.T + b2

    y0, target = torch.tensor(x0), torch.tensor(targets).transpose(0, 1)

    def torch_forward():
        with torch.no_grad():
            return torch_dopri5(field, y0, times, rtol, atol)

    def torch_gradient():
        for p in (W1, b1, W2, b2):
            p.grad = None
        pred, *_ = torch_dopri5(field, y0, times, rtol, atol)
        torch.mean((pred[1:] - target) ** 2).backward()

    def odec_forward():
        return m.solve_adaptive(params, x0, times, rtol=rtol, atol=atol, pi_beta=0)

    def odec_gradient():
        return m.adaptive_loss(params, x0, times, targets, rtol=rtol, atol=atol, pi_beta=0)

    # The same solution both ways (odec's lanes step separately: a small difference).
    ref, t_acc, t_rej = torch_forward()
    states, info = odec_forward()
    gap = float(np.max(np.abs(ref.numpy().transpose(1, 0, 2) - states)))
    _, _, _, ginfo = odec_gradient()
    cpu = jit_target()
    print(f"ode_demo field, DormandPrince5, rtol {rtol:g}, atol {atol:g}, batch {batch}, "
          f"10 output times; odec JIT target {cpu}")
    assert ginfo["accepted"] == info["accepted"]  # the gradient's solve is the forward's
    print(f"accepted steps: PyTorch {t_acc} (+{t_rej} rejected) for the batch; odec per "
          f"trajectory {min(info['accepted'])}-{max(info['accepted'])} (median "
          f"{int(np.median(info['accepted']))}), forward and gradient alike; max |difference| "
          f"{gap:.1e}")
    # Each odec trajectory steps on its own and takes fewer steps at the same tolerances than
    # the batch that steps together; also timed: odec at the tightest rtol of a grid whose mean
    # accepted steps per trajectory are within 10 % of the batch's (the same work per
    # trajectory as PyTorch's).
    same = next((r for r in (1e-7, 7e-8, 5e-8, 3e-8, 2e-8, 1.5e-8, 1e-8, 7e-9, 5e-9, 3e-9)
                 if abs(np.mean(m.solve_adaptive(params, x0, times, rtol=r, atol=atol,
                                                 pi_beta=0)[1]["accepted"]) - t_acc)
                 <= 0.1 * t_acc), None)

    def odec_forward_same():
        return m.solve_adaptive(params, x0, times, rtol=same, atol=atol, pi_beta=0)

    def odec_gradient_same():
        return m.adaptive_loss(params, x0, times, targets, rtol=same, atol=atol, pi_beta=0)

    contenders = [torch_forward, odec_forward, torch_gradient, odec_gradient]
    if same is not None:
        steps = np.mean(odec_forward_same()[1]["accepted"])
        print(f"equal steps: odec at rtol {same:g} takes {steps:.2f} accepted steps per "
              f"trajectory (mean)")
        contenders += [odec_forward_same, odec_gradient_same]
    try:
        import torchdiffeq
    except ImportError:
        torchdiffeq = None
    if torchdiffeq is not None:
        grid = torch.tensor(times)

        def tdq_forward():
            with torch.no_grad():
                return torchdiffeq.odeint(lambda _, y: field(y), y0, grid, method="dopri5",
                                          rtol=rtol, atol=atol)

        def tdq_gradient():
            for p in (W1, b1, W2, b2):
                p.grad = None
            pred = torchdiffeq.odeint(lambda _, y: field(y), y0, grid, method="dopri5",
                                      rtol=rtol, atol=atol)
            torch.mean((pred[1:] - target) ** 2).backward()

        contenders += [tdq_forward, tdq_gradient]
    ms = timed(contenders, args.blocks, args.repeat)
    print(f"{'':24}{'PyTorch ms':>12}{'odec ms':>10}{'ratio':>8}")
    print(f"{'forward':24}{ms[0]:12.3f}{ms[1]:10.3f}{ms[0] / ms[1]:8.1f}")
    print(f"{'forward + gradient':24}{ms[2]:12.3f}{ms[3]:10.3f}{ms[2] / ms[3]:8.1f}")
    tdq = ms[-2:] if torchdiffeq is not None else None
    if tdq:
        print(f"{'torchdiffeq forward':24}{tdq[0]:12.3f}{ms[1]:10.3f}{tdq[0] / ms[1]:8.1f}")
        print(f"{'torchdiffeq fwd + grad':24}{tdq[1]:12.3f}{ms[3]:10.3f}{tdq[1] / ms[3]:8.1f}")
    else:
        print("(torchdiffeq not importable: its own dopri5 not timed)")
    if same is not None:
        print(f"at equal steps (odec rtol {same:g}):")
        rows = [("forward", ms[0], ms[4]), ("forward + gradient", ms[2], ms[5])]
        if tdq:
            rows += [("torchdiffeq forward", tdq[0], ms[4]),
                     ("torchdiffeq fwd + grad", tdq[1], ms[5])]
        for name, ref, own in rows:
            print(f"{name:24}{ref:12.3f}{own:10.3f}{ref / own:8.1f}")


if __name__ == "__main__":
    main()
