#!/usr/bin/python3
"""Latent dynamics (science.md §1, the stability paper's latent-dynamics experiments) with odec.

A damped two-mass spring chain is observed through a fixed random nonlinear map
y = tanh(M x + c) (+ noise) to 24 dimensions. A PyTorch MLP encoder reads the first 10
observations of a trajectory and returns a latent state z(0) in R^8; the latent ODE
(latent.node, model LatentField) carries it forward through odec's fused solver, whose
discrete adjoint passes the gradient back into z(0) and so into the encoder; a PyTorch MLP
decoder maps z(t) to the observations. The loss is the MSE of the decoded observations over a
training window of 60 steps; the test loss is the same on held-out trajectories, and the
extrapolation loss is taken over steps 61 to 240, beyond anything trained on.

The comparison: the latent ODE's parameters from the priors (init="prior", the paper's
U(±1/√fan_in) baseline) against odec's stability-informed init (init="stability", the .node's
init block), per seed with the same encoder and decoder, the same draw of the field's other
parameters and the same mini-batch order, for each solver configuration.

    PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 examples/latent/run.py [--smoke|--full]
"""
import argparse
import csv
import io
import os
import re
import sys
import time

try:
    import numpy as np
    from scipy.linalg import expm
    import torch
    import odec
    import odec.torch
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as e:
    raise SystemExit(f"run.py needs numpy, scipy, torch, matplotlib and odec "
                     f"(PYTHONPATH=build/python): {e}")

HERE = os.path.dirname(os.path.abspath(__file__))
NODE = os.path.join(HERE, "latent.node")
MODEL = "LatentField"
INITS = ("prior", "stability")
# The init block's margin and strategy: latent.node's own, or the paper's sampling (z = a + ib,
# a ~ U(−3, −0.1), b ~ U(−3, 3), accepted when |R(z)| < 0.99: science.md §1).
REGIONS = {"odec": None,
           "paper": ("margin = 0.99", "placement(real = (-3, -0.1), imag = (-3, 3))")}

# The system: two unit masses between two walls, springs k = (1, 0.5, 1), the same light
# viscous damping on each mass. Modes: ω = 1 and √2 rad/s, both decaying at DAMPING/2 per s.
SPRINGS = (1.0, 0.5, 1.0)
DAMPING = 0.05
OBS_DIM, ENC_LEN, LATENT, HIDDEN = 24, 10, 8, 64

PRESETS = {
    # Well under 2 minutes on one core: one solver, one seed per init, a small data set.
    "smoke": dict(solvers="Midpoint@0.1", seeds=1, epochs=10, train=128, test=16,
                  train_len=60, test_len=120),
    # A few minutes on 2 cores: the paper's solver and step for these experiments
    # (midpoint, h = 0.1), forward Euler at that step and at a coarse one.
    "default": dict(solvers="Midpoint@0.1,Euler@0.1,Euler@0.3", seeds=4, epochs=40, train=256,
                    test=64, train_len=60, test_len=240),
    # The paper's horizons (10 frames in, 60 trained, 240 tested) and 100 epochs at a larger
    # data set, 10 seeds, and the coarse-step configurations where the paper expects the
    # largest effect.
    "full": dict(solvers="Euler@0.1,Midpoint@0.1,RK4@0.1,Euler@0.3,Midpoint@0.3", seeds=10,
                 epochs=100, train=2048, test=256, train_len=60, test_len=240),
}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="latent_out", help="output folder (default: latent_out)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--smoke", action="store_true", help="the tiny self-checking configuration")
    size.add_argument("--full", action="store_true", help="the paper-scale configuration")
    p.add_argument("--solvers", help="comma-separated TABLEAU@STEP, e.g. Midpoint@0.1,Euler@0.3 "
                   "(the data are sampled every STEP)")
    p.add_argument("--seeds", type=int, help="seeds per init")
    p.add_argument("--epochs", type=int)
    p.add_argument("--train", type=int, help="training trajectories")
    p.add_argument("--test", type=int, help="test trajectories")
    p.add_argument("--train-len", type=int, help="steps in the training window")
    p.add_argument("--test-len", type=int, help="steps predicted on the test trajectories")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3, help="Adam's learning rate")
    p.add_argument("--clip", type=float, default=1.0, help="gradient-norm clip (0: none)")
    p.add_argument("--noise", type=float, default=0.01,
                   help="std of the Gaussian noise on the observations the models see")
    p.add_argument("--region", choices=sorted(REGIONS), default="odec",
                   help="where the stability init places the poles: latent.node's box "
                   "(odec) or the paper's sampling box (paper)")
    p.add_argument("--data-seed", type=int, default=0, help="seed of the system's data and map")
    args = p.parse_args(argv)
    preset = PRESETS["smoke" if args.smoke else "full" if args.full else "default"]
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.solvers = parse_solvers(p, args.solvers)
    for key in ("seeds", "epochs", "train", "test", "train_len", "batch"):
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be at least 1")
    if args.train_len < ENC_LEN:
        p.error(f"--train-len must be at least the encoder's {ENC_LEN} observations")
    if args.test_len <= args.train_len:
        p.error("--test-len must exceed --train-len (the extrapolation horizon)")
    if not args.lr > 0 or args.clip < 0 or args.noise < 0:
        p.error("--lr must be positive, --clip and --noise non-negative")
    return args


def parse_solvers(p, text):
    solvers = []
    for item in text.split(","):
        m = re.fullmatch(r"\s*([A-Za-z_]\w*)@([0-9.eE+-]+)\s*", item)
        try:
            step = float(m.group(2)) if m else 0.0
        except ValueError:
            step = 0.0
        if not m or not step > 0:
            p.error(f"--solvers: '{item}' is not TABLEAU@STEP with a positive STEP")
        solvers.append((m.group(1), step))
    return solvers


# -- data ------------------------------------------------------------------------------------

def system_matrix():
    """ẋ = A x for x = (q1, q2, p1, p2), unit masses."""
    k1, k2, k3 = SPRINGS
    K = np.array([[k1 + k2, -k2], [-k2, k2 + k3]])
    return np.block([[np.zeros((2, 2)), np.eye(2)], [-K, -DAMPING * np.eye(2)]])


def exact_states(x0, h, steps):
    """The exact flow sampled every h: x_{n+1} = expm(A h) x_n, rounding error only."""
    phi = expm(system_matrix() * h)
    x = np.empty((x0.shape[0], steps + 1, 4))
    x[:, 0] = x0
    for n in range(steps):
        x[:, n + 1] = x[:, n] @ phi.T
    return x


def flow_error(x, h):
    """Largest deviation of the propagated last states from expm(A t_end) x0 in one go."""
    direct = x[:, 0] @ expm(system_matrix() * h * (x.shape[1] - 1)).T
    return float(np.abs(direct - x[:, -1]).max())


def observation_map(rng):
    """The fixed random map: pre-activations of about unit size for states of about unit size."""
    M = rng.normal(size=(OBS_DIM, 4)) * 1.5 / np.sqrt(4)
    c = rng.uniform(-0.5, 0.5, size=OBS_DIM)
    return lambda x: np.tanh(x @ M.T + c)


def make_data(args, h):
    """Training and test trajectories from initial states uniform in [-1, 1]^4. Models see the
    noisy observations; the test losses compare with the clean ones."""
    rng = np.random.default_rng(args.data_seed)
    observe = observation_map(rng)
    x_train = exact_states(rng.uniform(-1, 1, (args.train, 4)), h, args.train_len)
    x_test = exact_states(rng.uniform(-1, 1, (args.test, 4)), h, args.test_len)
    y_train, y_test = observe(x_train), observe(x_test)
    return dict(train=y_train + args.noise * rng.normal(size=y_train.shape),
                test_in=y_test + args.noise * rng.normal(size=y_test.shape),
                test=y_test,
                variance=float(y_test.var(axis=(0, 1)).mean()),
                flow_error=max(flow_error(x_train, h), flow_error(x_test, h)))


# -- models ----------------------------------------------------------------------------------

def program_for(region):
    """latent.node; for region 'paper' with the paper's margin and pole box in its init block.
    The block's solver and step need no rewriting: NeuralODE(init="stability") re-targets
    them to the module's tableau and step (as `odec train --init stability` does)."""
    with open(NODE, encoding="utf-8") as f:
        head, sep, block = f.read().partition(f"init {MODEL}")
    if REGIONS[region]:
        margin, strategy = REGIONS[region]
        block = re.sub(r"margin = [0-9.]+", margin, block, count=1)
        block = re.sub(r"placement\(.*\)", strategy, block, count=1)
    return odec.compile_source(head + sep + block, name=NODE)


class LatentODE(torch.nn.Module):
    """encoder (first ENC_LEN observations -> z0), odec's latent ODE, decoder (z -> y)."""

    def __init__(self, program, tableau, step, init, seed):
        super().__init__()
        torch.manual_seed(seed)  # the same encoder and decoder for every init of a seed
        self.encoder = torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(ENC_LEN * OBS_DIM, HIDDEN), torch.nn.Tanh(),
            torch.nn.Linear(HIDDEN, LATENT))
        self.decoder = torch.nn.Sequential(
            torch.nn.Linear(LATENT, HIDDEN), torch.nn.Tanh(), torch.nn.Linear(HIDDEN, OBS_DIM))
        self.ode = odec.torch.NeuralODE(program, model=MODEL, tableau=tableau, step=step,
                                        init=init, seed=seed)

    def forward(self, y, steps):
        z = self.ode(self.encoder(y[:, :ENC_LEN]), steps)
        return self.decoder(z)


def stability_function(tableau):
    """R(z) of a tableau, the ratio of polynomials `odec tableau --json` reports (ascending
    coefficients)."""
    r = odec.tableau(tableau)["stability_function"]
    num, den = r["numerator"][::-1], r["denominator"][::-1]
    return lambda z: np.polyval(num, z) / np.polyval(den, z)


def max_abs_R(ode, R):
    """max |R(hλ)| over the field's Jacobian at the origin (where the init block linearizes)."""
    p = {k: v.detach().numpy() for k, v in ode.params.items()}
    J = p["W2"] @ np.diag(1 - np.tanh(p["b1"]) ** 2) @ p["W1"]
    return float(np.abs(R(ode.step * np.linalg.eigvals(J))).max())


# -- training --------------------------------------------------------------------------------

def evaluate(model, data, train_len):
    """Test MSE on the training horizon (steps 0..train_len) and beyond it."""
    with torch.no_grad():
        pred = model(torch.from_numpy(data["test_in"]), data["test"].shape[1] - 1).numpy()
    err = (pred - data["test"]) ** 2
    return float(err[:, :train_len + 1].mean()), float(err[:, train_len + 1:].mean()), pred[0]


def train_run(args, data, program, solver, init, seed):
    """One training run; returns per-epoch rows (epoch 0 = the initial model) and a summary."""
    tableau, step = solver
    model = LatentODE(program, tableau, step, init, seed)
    R = stability_function(tableau)
    summary = dict(R_init=max_abs_R(model.ode, R), diverged=False)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    order = np.random.default_rng(seed)  # the same mini-batches for every init of a seed
    y_train = torch.from_numpy(data["train"])
    rows = []
    for epoch in range(args.epochs + 1):
        losses = []
        if epoch > 0:
            perm = order.permutation(args.train)
            for start in range(0, args.train, args.batch):
                y = y_train[perm[start:start + args.batch]]
                loss = torch.mean((model(y, args.train_len) - y) ** 2)
                if not torch.isfinite(loss):
                    summary["diverged"] = True
                    break
                opt.zero_grad()
                loss.backward()
                if args.clip > 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
                opt.step()
                losses.append(loss.item())
        if summary["diverged"]:
            break
        recon, extrap, pred = evaluate(model, data, args.train_len)
        rows.append(dict(epoch=epoch, train=float(np.mean(losses)) if losses else float("nan"),
                         test=recon, extrap=extrap))
    summary.update(R_final=max_abs_R(model.ode, R), prediction=pred,
                   report=model.ode.init_report)
    return rows, summary


# -- reporting -------------------------------------------------------------------------------

def mean_std(values, fmt="{:.3g}"):
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return "–"
    if v.size == 1:
        return fmt.format(v[0])
    return f"{fmt.format(v.mean())} ± {fmt.format(v.std(ddof=1))}"


def label(solver):
    return f"{solver[0]} h={solver[1]:g}"


def epoch_table(args, runs):
    """Test MSE (training horizon) per epoch, mean ± std over seeds."""
    marks = sorted({e for e in (0, 1, 2, 3, 5, 10, 15, 20, 30, 40, 50, 60, 80, 100)
                    if e <= args.epochs} | {args.epochs})
    head = "| solver | init | " + " | ".join(f"epoch {e}" for e in marks) + " |"
    lines = [head, "|" + "---|" * (len(marks) + 2)]
    for solver in args.solvers:
        for init in INITS:
            cells = [mean_std([r["rows"][e]["test"] for r in runs[solver, init]
                               if e < len(r["rows"])]) for e in marks]
            lines.append(f"| {label(solver)} | {init} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def first_epoch_below(rows, target):
    return next((r["epoch"] for r in rows if r["test"] <= target), None)


def final_table(args, runs):
    """Final and best losses, speed and the paired comparison, per solver and init."""
    lines = ["| solver | init | final test MSE (0–%d) | best test MSE | final extrapolation MSE "
             "(%d–%d) | epochs to the prior's final test MSE | lower final test MSE than "
             "the other init | max \\|R(hλ)\\| at init | at end | diverged |"
             % (args.train_len, args.train_len + 1, args.test_len),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for solver in args.solvers:
        finals = {init: [r["rows"][-1]["test"] for r in runs[solver, init]] for init in INITS}
        target = float(np.median(finals["prior"]))
        for init in INITS:
            rs, other = runs[solver, init], finals[INITS[1 - INITS.index(init)]]
            reached = [first_epoch_below(r["rows"], target) for r in rs]
            hit = [e for e in reached if e is not None]
            speed = mean_std(hit, "{:.1f}") + (f" ({len(reached) - len(hit)} never)"
                                               if len(hit) < len(reached) else "")
            wins = sum(a < b for a, b in zip(finals[init], other))
            lines.append(
                f"| {label(solver)} | {init} | {mean_std(finals[init])} | "
                f"{mean_std([min(x['test'] for x in r['rows']) for r in rs])} | "
                f"{mean_std([r['rows'][-1]['extrap'] for r in rs])} | {speed} | "
                f"{wins} of {len(rs)} | {mean_std([r['R_init'] for r in rs], '{:.4f}')} | "
                f"{mean_std([r['R_final'] for r in rs], '{:.4f}')} | "
                f"{sum(r['diverged'] for r in rs)} |")
    return "\n".join(lines)


def write_atomic(path, write):
    """write(f) into a temporary file beside path, then rename it over path."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        write(f)
    os.replace(tmp, path)


def write_history(path, args, runs):
    def write(f):
        w = csv.writer(f)
        w.writerow(["solver", "step", "init", "seed", "epoch", "train_mse", "test_mse",
                    "extrapolation_mse"])
        for solver in args.solvers:
            for init in INITS:
                for r in runs[solver, init]:
                    for row in r["rows"]:
                        w.writerow([solver[0], solver[1], init, r["seed"], row["epoch"],
                                    row["train"], row["test"], row["extrap"]])
    write_atomic(path, write)


def save_svg(fig, path):
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    write_atomic(path, lambda f: f.write(buf.getvalue()))


COLORS = {"prior": "tab:blue", "stability": "tab:orange"}


def plot_curves(path, args, runs):
    """Test MSE per epoch: mean over seeds (line) and the seeds' range (band), log scale."""
    fig, axes = plt.subplots(2, len(args.solvers), figsize=(4.2 * len(args.solvers), 6.4),
                             squeeze=False, sharex=True)
    for col, solver in enumerate(args.solvers):
        for row, (key, title) in enumerate([("test", f"test MSE, steps 0–{args.train_len}"),
                                            ("extrap", f"extrapolation MSE, steps "
                                             f"{args.train_len + 1}–{args.test_len}")]):
            ax = axes[row, col]
            for init in INITS:
                curves = [[x[key] for x in r["rows"]] for r in runs[solver, init]]
                n = min(len(c) for c in curves)
                c = np.array([c[:n] for c in curves])
                epochs = np.arange(n)
                ax.plot(epochs, c.mean(axis=0), color=COLORS[init], label=init)
                ax.fill_between(epochs, c.min(axis=0), c.max(axis=0), color=COLORS[init],
                                alpha=0.25, linewidth=0)
            ax.set_yscale("log")
            ax.set_title(f"{label(solver)}: {title}", fontsize=9)
            ax.grid(True, which="both", alpha=0.3)
            if row == 1:
                ax.set_xlabel("epoch")
    axes[0, 0].legend()
    fig.tight_layout()
    save_svg(fig, path)


def plot_trajectories(path, args, data_by_step, runs, dims=(0, 1)):
    """Test trajectory 0 per solver: clean observations against both inits' decoded
    predictions (the first seed's models)."""
    fig, axes = plt.subplots(len(dims), len(args.solvers), figsize=(6 * len(args.solvers), 5.4),
                             squeeze=False)
    for col, solver in enumerate(args.solvers):
        observed = data_by_step[solver[1]]["test"][0]
        t = solver[1] * np.arange(observed.shape[0])
        for ax, d in zip(axes[:, col], dims):
            ax.plot(t, observed[:, d], color="black", lw=2.5, alpha=0.35, label="observed")
            for init in INITS:
                ax.plot(t, runs[solver, init][0]["prediction"][:, d], color=COLORS[init],
                        lw=1.2, label=f"{init} (seed {runs[solver, init][0]['seed']})")
            ax.axvline(solver[1] * args.train_len, color="gray", ls="--", lw=1)
            ax.axvspan(0, solver[1] * (ENC_LEN - 1), color="gray", alpha=0.12)
            ax.set_ylabel(f"y[{d + 1}]")
            ax.set_title(f"{label(solver)}, test trajectory 0, y[{d + 1}]", fontsize=9)
        axes[-1, col].set_xlabel("t (shaded: encoder input; dashed: end of training window)",
                                 fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="upper center", fontsize=8, ncol=3)
    save_svg(fig, path)


# -- checks ----------------------------------------------------------------------------------

def smoke_checks(args, data_by_step, runs):
    """Finite losses, a decreasing training loss, and test MSE below the data's variance."""
    failures = []
    for (solver, init), rs in runs.items():
        variance = data_by_step[solver[1]]["variance"]
        for r in rs:
            name = f"{label(solver)} {init} seed {r['seed']}"
            rows = r["rows"]
            values = [v for x in rows for v in (x["train"], x["test"]) if x["epoch"] > 0]
            if r["diverged"] or len(rows) < args.epochs + 1 or not np.all(np.isfinite(values)):
                failures.append(f"{name}: a loss is not finite")
                continue
            if not rows[-1]["train"] < rows[1]["train"]:
                failures.append(f"{name}: training loss did not decrease "
                                f"({rows[1]['train']:.4g} -> {rows[-1]['train']:.4g})")
            if not rows[-1]["test"] < variance:
                failures.append(f"{name}: test MSE {rows[-1]['test']:.4g} is not below the "
                                f"data's variance {variance:.4g}")
    if failures:
        raise SystemExit("smoke check failed: " + "; ".join(failures))


# -- main ------------------------------------------------------------------------------------

def main(argv):
    args = parse_args(argv)
    for tableau, _ in args.solvers:
        try:
            odec.tableau(tableau)
        except ValueError as e:  # odec's message lists the tableaux it knows
            raise SystemExit(f"--solvers: {e}")
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        raise SystemExit(f"--out: cannot create {args.out}: {e}")
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    started = time.time()
    data_by_step, runs = {}, {}
    for solver in args.solvers:
        if solver[1] not in data_by_step:
            data_by_step[solver[1]] = make_data(args, solver[1])
        data = data_by_step[solver[1]]
        try:
            program = program_for(args.region)
        except odec.CompileError as e:
            raise SystemExit(f"latent.node does not compile for {label(solver)}:\n{e}")
        for init in INITS:
            runs[solver, init] = []
            for seed in range(args.seeds):
                t0 = time.time()
                rows, summary = train_run(args, data, program, solver, init, seed)
                runs[solver, init].append(dict(seed=seed, rows=rows, **summary))
                print(f"{label(solver)} {init} seed {seed}: test MSE {rows[0]['test']:.4g} -> "
                      f"{rows[-1]['test']:.4g}, extrapolation {rows[-1]['extrap']:.4g} "
                      f"({time.time() - t0:.1f} s)", flush=True)
    wall = time.time() - started

    first = args.solvers[0]
    report = runs[first, "stability"][0]["report"]
    text = "\n\n".join([
        f"# Latent dynamics: prior vs stability-informed init\n\n"
        f"`run.py {' '.join(argv)}` — {args.seeds} seed(s) per init, {args.epochs} epochs, "
        f"{args.train} training / {args.test} test trajectories, pole region '{args.region}', "
        f"wall time {wall:.0f} s.",
        "Data: " + ", ".join(f"h={h:g}: variance of the clean test observations "
                             f"{d['variance']:.4g}, exact-flow rounding error {d['flow_error']:.1e}"
                             for h, d in data_by_step.items()) + ".",
        "## Test MSE per epoch (training horizon, mean ± std over seeds)",
        epoch_table(args, runs),
        "## Final numbers",
        final_table(args, runs),
        f"Stability init of {label(first)}, seed 0: strategy {report.get('strategy')}, "
        f"margin {report.get('margin')}, scaled eigenvalues hλ "
        + ", ".join(f"{re_:.3f}{im:+.3f}i" for re_, im in report.get("scaled_eigenvalues", []))
        + "."])
    print(text)
    write_atomic(os.path.join(args.out, "results.md"), lambda f: f.write(text + "\n"))
    write_history(os.path.join(args.out, "history.csv"), args, runs)
    plot_curves(os.path.join(args.out, "curves.svg"), args, runs)
    plot_trajectories(os.path.join(args.out, "trajectory.svg"), args, data_by_step, runs)
    if args.smoke:
        smoke_checks(args, data_by_step, runs)
        print("smoke checks passed")


if __name__ == "__main__":
    main(sys.argv[1:])
