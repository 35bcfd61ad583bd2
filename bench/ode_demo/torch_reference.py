"""The ode_demo training loop in plain PyTorch, a stand-in for torchdiffeq (not installable
here): torchdiffeq's fixed-grid "rk4" method is Kutta's 3/8 rule, written out below, and
examples/ode_demo.py's loop is kept: an MLP 2-50-2 on y**3, 20 random windows of 10 samples
(9 steps) per iteration, Adam. Reads the same data.csv as `odec train`; prints one JSON line
with the whole-process seconds per iteration (interpreter start and `import torch` included,
measured by run.sh) left to the caller, and the loop's own seconds per iteration.

With a third argument `torchdiffeq`, the solve is torchdiffeq's own `odeint(func, y0, t,
method="rk4")` (its fixed-grid 3/8 rule, backpropagation through the solver) instead of the
loop written out here; torchdiffeq must then be importable (a copy of its source on PYTHONPATH).

The environment's ODEC_DEMO_THREADS is torch's intra-op thread count, as run.sh's THREADS is
odec's: a number (default 1), or "all" for torch's default (every core).

usage: python3 torch_reference.py data.csv ITERATIONS [torchdiffeq]
"""
import json
import os
import sys
import time

import torch

torch.manual_seed(0)
threads = os.environ.get("ODEC_DEMO_THREADS", "1")
if threads != "all":
    torch.set_num_threads(int(threads))  # odec's comparison run uses as many


def load(path):
    rows = [line.split(",") for line in open(path).read().split("\n")[1:] if line]
    t = torch.tensor([float(r[1]) for r in rows], dtype=torch.float64)
    y = torch.tensor([[float(r[2]), float(r[3])] for r in rows], dtype=torch.float64)
    return t, y


class ODEFunc(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(2, 50), torch.nn.Tanh(),
                                       torch.nn.Linear(50, 2)).double()
        for m in self.net.modules():
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.normal_(m.weight, mean=0, std=0.1)
                torch.nn.init.constant_(m.bias, val=0)

    def forward(self, y):
        return self.net(y ** 3)


def rk38_solve(f, y0, h, steps):
    ys = [y0]
    y = y0
    for _ in range(steps):
        k1 = f(y)
        k2 = f(y + h * k1 / 3)
        k3 = f(y + h * (k2 - k1 / 3))
        k4 = f(y + h * (k1 - k2 + k3))
        y = y + h * (k1 + 3 * (k2 + k3) + k4) / 8
        ys.append(y)
    return torch.stack(ys)  # (steps + 1) x batch x 2


def main():
    t, y = load(sys.argv[1])
    iterations = int(sys.argv[2])
    h = float(t[1] - t[0])
    batch_time, batch_size = 10, 20
    use_torchdiffeq = len(sys.argv) > 3 and sys.argv[3] == "torchdiffeq"
    if use_torchdiffeq:
        import torchdiffeq
    grid = t[:batch_time] - t[0]
    func = ODEFunc()
    optimizer = torch.optim.Adam(func.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(iterations):
        optimizer.zero_grad()
        s = torch.randint(0, len(t) - batch_time, (batch_size,))
        batch_y0 = y[s]
        batch_y = torch.stack([y[s + i] for i in range(batch_time)], dim=0)
        if use_torchdiffeq:
            pred_y = torchdiffeq.odeint(lambda _, x: func(x), batch_y0, grid, method="rk4")
        else:
            pred_y = rk38_solve(func, batch_y0, h, batch_time - 1)
        loss = torch.mean((pred_y[1:] - batch_y[1:]) ** 2)
        loss.backward()
        optimizer.step()
    loop = time.perf_counter() - start
    print(json.dumps({"loop_seconds_per_iteration": loop / iterations, "final_loss": loss.item()}))


main()
