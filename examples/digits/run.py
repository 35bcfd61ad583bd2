#!/usr/bin/env python3
"""Sequential digits: the stability-informed-init paper's sMNIST / psMNIST experiment
(Westny et al., ICML 2024) at a size two cores can train, through odec.torch.

Each 8×8 image of scikit-learn's digits (1 797 images, pixels 0..16 scaled to [0, 1]) is a
sequence of 64 pixels u(k·h), k = 0..63, held over one solver step each, driving the neural ODE
of digits.node from x(0) = 0 through 64 steps of h = 0.1. A linear read-out of x(6.4) gives the
class logits, trained with cross-entropy (Adam). Every (solver, init, seed) is one run: Euler,
midpoint and RK4, each initialized from the model's init block re-targeted to that solver
("stability") and from the paper's baseline priors U(±1/√fan_in) ("prior"). The permuted
variant reads the pixels in one fixed random order. --poles chooses where the stability init
places z = hλ: odec's placement() default or the paper's box.

    PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 examples/digits/run.py

writes per-epoch test accuracy and loss (mean ± std over seeds) as Markdown tables, the raw
numbers as JSON and an SVG figure into --out. RESULTS.md has the measured numbers.
"""

import argparse
import json
import math
import os
import re
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_FILE = os.path.join(HERE, "digits.node")
SOLVERS = ("Euler", "Midpoint", "RK4")
INITS = ("prior", "stability")
VARIANTS = ("sequential", "permuted")
STEP = 0.1          # the paper's h; one pixel per step
PIXELS = 64
SPLIT_SEED = 0      # train_test_split's random_state: the one split of every run
PERMUTATION_SEED = 1234
# Where the init block places z = hλ (digits.node says why "odec" is the default).
POLES = {"odec": "placement()",
         "paper": "placement(real = (-3, -0.1), imag = (-3, 3))"}


# -- options ---------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="digits_out", help="output folder (default: %(default)s)")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny check: 1 seed, 4 epochs, 800 training images, Euler")
    ap.add_argument("--full", action="store_true",
                    help="the paper's size (128 states, 256 hidden), 100 epochs, both "
                         "variants; see RESULTS.md for the stability init's cost at this size")
    ap.add_argument("--states", type=int, help="state dimension N (default 32; 128 with --full)")
    ap.add_argument("--hidden", type=int, help="hidden units H >= N (default 2N)")
    ap.add_argument("--seeds", type=int, help="seeds 0..n-1 (default 5)")
    ap.add_argument("--epochs", type=int, help="epochs (default 20)")
    ap.add_argument("--batch", type=int, default=32, help="mini-batch size (default %(default)s)")
    ap.add_argument("--lr", type=float, default=1e-2,
                    help="Adam's initial learning rate (default %(default)s)")
    ap.add_argument("--solvers", default=",".join(SOLVERS),
                    help="comma-separated, of %s (default: all)" % ", ".join(SOLVERS))
    ap.add_argument("--variants",
                    help="comma-separated, of sequential, permuted (default: sequential; "
                         "both with --full)")
    ap.add_argument("--poles", choices=sorted(POLES), default="odec",
                    help="the stability init's pole region: odec's placement() default or the "
                         "paper's box (default %(default)s)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default %(default)s)")
    args = ap.parse_args(argv)

    if args.smoke and args.full:
        ap.error("--smoke and --full exclude each other")
    if args.states is None:
        args.states = 128 if args.full else 32
    if args.hidden is None:
        args.hidden = 2 * args.states
    if args.hidden < args.states:
        ap.error("--hidden must be at least --states: placement sets the N×N Jacobian "
                 "through the N×H weight W2")
    args.train_limit = 800 if args.smoke else None
    if args.seeds is None:
        args.seeds = 1 if args.smoke else 5
    if args.epochs is None:
        args.epochs = 4 if args.smoke else 100 if args.full else 20
    if args.variants is None:
        args.variants = ",".join(VARIANTS) if args.full else "sequential"
    if args.smoke:
        args.solvers, args.variants = "Euler", "sequential"
    args.solvers = parse_list(ap, "--solvers", args.solvers, SOLVERS)
    args.variants = parse_list(ap, "--variants", args.variants, VARIANTS)
    for name in ("states", "seeds", "epochs", "batch", "jobs"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} must be at least 1, not {getattr(args, name)}")
    if not (args.lr > 0 and math.isfinite(args.lr)):
        ap.error(f"--lr must be a positive number, not {args.lr}")
    return args


def parse_list(ap, option, text, allowed):
    items = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in items if s not in allowed]
    if bad or not items:
        ap.error(f"{option}: expected a comma-separated list of {', '.join(allowed)}, got {text!r}")
    return tuple(items)


# -- data ------------------------------------------------------------------------------------

def load_data(train_limit=None):
    """The fixed split: stratified 80/20 with random_state SPLIT_SEED (1 437 / 360 images).
    The smoke test trains on the first train_limit training images."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as e:
        raise SystemExit(f"scikit-learn is needed for the digits data set ({e}); on Debian: "
                         "apt-get install python3-sklearn")
    try:
        digits = load_digits()
    except (OSError, ValueError) as e:
        raise SystemExit(f"cannot read scikit-learn's digits data set: {e}")
    x = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, stratify=y,
                                              random_state=SPLIT_SEED)
    if train_limit:
        x_tr, y_tr = x_tr[:train_limit], y_tr[:train_limit]
    return x_tr, y_tr, x_te, y_te


def pixel_order(variant):
    """Row-major order for sMNIST, one fixed seeded permutation for psMNIST."""
    if variant == "sequential":
        return np.arange(PIXELS)
    return np.random.default_rng(PERMUTATION_SEED).permutation(PIXELS)


def input_samples(images):
    """One (times, values) pair per image: pixel k at t = k·h, held for step k."""
    times = np.arange(PIXELS) * STEP
    return [(times, np.ascontiguousarray(img.reshape(PIXELS, 1))) for img in images]


# -- the model ---------------------------------------------------------------------------------

def program_text(states, hidden, poles):
    """digits.node with the sizes and the init block's pole region replaced. The block's
    solver needs no rewriting: NeuralODE(init="stability") re-targets it to the module's
    tableau and step, so the constraint is each trained solver's own region."""
    with open(MODEL_FILE, encoding="utf-8") as f:
        text = f.read()
    for pattern, value in ((r"(const N = )\d+", states), (r"(const H = )\d+", hidden),
                           (r"(strategy = )placement\(.*\)", POLES[poles])):
        text, n = re.subn(pattern, lambda m: m.group(1) + str(value), text)
        if n != 1:
            raise SystemExit(f"{MODEL_FILE}: expected one match of {pattern!r}, found {n}")
    return text


def stability_of(ode, solver):
    """max |R(hλ)| over the eigenvalues of the Jacobian at the origin with a blank pixel,
    for the solver's stability function (the quantity the init block constrains)."""
    import odec
    p = ode.params_numpy()
    slope = np.where(p["b1"] > 0, 1.0, np.exp(p["b1"]))   # elu' at x = 0, u = 0
    jac = p["W2"] @ (slope[:, None] * p["W1"])
    z = STEP * np.linalg.eigvals(jac)
    # An explicit p-stage method of order p ≤ 4 (Euler, midpoint, RK4) has R(z) = Σ z^k/k!.
    order = int(odec.tableau(solver)["order"])
    r = sum(z ** k / math.factorial(k) for k in range(order + 1))
    return float(np.abs(r).max())


# -- one run ---------------------------------------------------------------------------------

_programs = {}


def make_models(cfg):
    import odec
    import odec.torch
    import torch
    key = (cfg["states"], cfg["hidden"], cfg["poles"])
    if key not in _programs:
        _programs[key] = odec.compile_source(program_text(*key), name=MODEL_FILE)
    ode = odec.torch.NeuralODE(_programs[key], tableau=cfg["solver"], step=STEP,
                               init=cfg["init"], seed=cfg["seed"])
    if ode.init_report is not None and ode.init_report["solver"] != cfg["solver"]:
        raise RuntimeError(f"init block initialized for {ode.init_report['solver']}, "
                           f"not {cfg['solver']}")
    # The read-out's draw depends on the seed only, so both inits share it.
    torch.manual_seed(cfg["seed"])
    readout = torch.nn.Linear(cfg["states"], 10).double()
    return ode, readout


def logits(ode, readout, samples):
    import torch
    x0 = torch.zeros(len(samples), ode.model.state_dim, dtype=torch.float64)
    traj = ode(x0, steps=PIXELS, inputs=samples)
    return readout(traj[:, -1])


def evaluate(ode, readout, samples, labels):
    import torch
    import torch.nn.functional as F
    with torch.no_grad():
        out = logits(ode, readout, samples)
        loss = F.cross_entropy(out, labels).item()
        acc = (out.argmax(1) == labels).double().mean().item()
    return loss, acc


def train_run(cfg):
    """One (variant, solver, init, seed): test loss and accuracy before training and after
    every epoch. A run whose loss stops being finite ends there (NaN for the later epochs)."""
    import torch
    import torch.nn.functional as F
    import warnings
    torch.set_num_threads(1)
    started = time.time()
    order = pixel_order(cfg["variant"])
    train = input_samples(cfg["x_train"][:, order])
    test = input_samples(cfg["x_test"][:, order])
    y_train, y_test = torch.as_tensor(cfg["y_train"]), torch.as_tensor(cfg["y_test"])
    ode, readout = make_models(cfg)
    init_R = stability_of(ode, cfg["solver"])
    params = list(ode.parameters()) + list(readout.parameters())
    opt = torch.optim.Adam(params, lr=cfg["lr"])
    # The reference code's schedule: the learning rate falls linearly to a tenth.
    sched = torch.optim.lr_scheduler.LinearLR(opt, 1.0, 0.1, total_iters=cfg["epochs"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    nan = float("nan")
    test_loss, test_acc, train_loss = [], [], [nan]
    loss0, acc0 = evaluate(ode, readout, test, y_test)
    test_loss.append(loss0)
    test_acc.append(acc0)
    diverged = not math.isfinite(loss0)
    for _ in range(cfg["epochs"]):
        if diverged:
            test_loss.append(nan), test_acc.append(nan), train_loss.append(nan)
            continue
        perm = torch.randperm(len(train), generator=gen)
        total = 0.0
        for start in range(0, len(train), cfg["batch"]):
            idx = perm[start:start + cfg["batch"]]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)   # a blow-up shows as NaN
                loss = F.cross_entropy(logits(ode, readout, [train[i] for i in idx]),
                                       y_train[idx])
            if not math.isfinite(loss.item()):
                diverged = True
                break
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        if diverged:
            test_loss.append(nan), test_acc.append(nan), train_loss.append(nan)
            continue
        train_loss.append(total / len(train))
        loss_e, acc_e = evaluate(ode, readout, test, y_test)
        test_loss.append(loss_e)
        test_acc.append(acc_e)
        diverged = not math.isfinite(loss_e)
    return {k: cfg[k] for k in ("variant", "solver", "init", "seed")} | {
        "test_loss": test_loss, "test_acc": test_acc, "train_loss": train_loss,
        "init_max_abs_R": init_R, "diverged": diverged, "seconds": time.time() - started}


# -- tables, figure, files -------------------------------------------------------------------

def write_atomic(path, write):
    """write(f) into a temporary file beside path, then renamed over it."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            write(f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)   # mkstemp's 0600 would make the results private
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def series(runs, variant, solver, init, key):
    """(seeds, epochs+1) array of one quantity."""
    return np.array([r[key] for r in runs
                     if (r["variant"], r["solver"], r["init"]) == (variant, solver, init)])


def mean_std(a):
    """Mean ± std over seeds of the runs that did not diverge; the count of those that did."""
    ok = a[np.isfinite(a)]
    if ok.size == 0:
        return "diverged"
    text = f"{ok.mean():.3f} ± {ok.std():.3f}"
    return text if ok.size == a.size else f"{text} ({a.size - ok.size} div.)"


def epoch_table(runs, variant, solver):
    head = ("| epoch | test acc, prior | test acc, stability | test loss, prior "
            "| test loss, stability |\n|---:|---|---|---|---|\n")
    acc = {i: series(runs, variant, solver, i, "test_acc") for i in INITS}
    loss = {i: series(runs, variant, solver, i, "test_loss") for i in INITS}
    rows = [f"| {e} | {mean_std(acc['prior'][:, e])} | {mean_std(acc['stability'][:, e])} "
            f"| {mean_std(loss['prior'][:, e])} | {mean_std(loss['stability'][:, e])} |"
            for e in range(acc["prior"].shape[1])]
    return head + "\n".join(rows) + "\n"


def first_epoch_reaching(acc, level):
    """Per seed, the first epoch with test accuracy ≥ level (NaN when never)."""
    hit = np.nan_to_num(acc, nan=-1.0) >= level
    return np.where(hit.any(1), hit.argmax(1), np.nan)


def summary_table(runs, args):
    out = ["| variant | solver | init | max \\|R(hλ)\\| at init | test acc, epoch 1 "
           "| final test acc | final test loss | epochs to 80 % test acc | diverged |",
           "|---|---|---|---|---|---|---|---|---|"]
    for v in args.variants:
        for s in args.solvers:
            for i in INITS:
                acc = series(runs, v, s, i, "test_acc")
                loss = series(runs, v, s, i, "test_loss")
                R = series(runs, v, s, i, "init_max_abs_R")
                reach = first_epoch_reaching(acc, 0.8)
                never = int(np.isnan(reach).sum())
                reach_text = (f"{np.nanmean(reach):.1f} ± {np.nanstd(reach):.1f}"
                              if never < len(reach) else "never")
                if 0 < never < len(reach):
                    reach_text += f" ({never} never)"
                div = sum(r["diverged"] for r in runs
                          if (r["variant"], r["solver"], r["init"]) == (v, s, i))
                out.append(f"| {v} | {s} | {i} | {R.min():.4f} – {R.max():.4f} "
                           f"| {mean_std(acc[:, 1])} | {mean_std(acc[:, -1])} "
                           f"| {mean_std(loss[:, -1])} | {reach_text} | {div}/{len(acc)} |")
    return "\n".join(out) + "\n"


def report(runs, args, wall):
    lines = ["# Sequential digits: stability-informed vs prior init\n",
             f"{args.states} states, {args.hidden} hidden units, h = {STEP}, {PIXELS} steps; "
             f"{args.seeds} seeds, {args.epochs} epochs, batch {args.batch}, Adam lr {args.lr} "
             f"(linear decay to a tenth); stability init's poles: {POLES[args.poles]}; "
             f"{len(runs)} runs in {wall:.0f} s wall "
             f"({args.jobs} processes). Mean ± std over seeds; epoch 0 is the init.\n",
             "## Summary\n", summary_table(runs, args)]
    for v in args.variants:
        for s in args.solvers:
            lines += [f"## {v}, {s}: test accuracy and loss per epoch\n",
                      epoch_table(runs, v, s)]
    return "\n".join(lines)


def plot(runs, args, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [(v, key) for v in args.variants for key in ("test_acc", "test_loss")]
    fig, axes = plt.subplots(len(rows), len(args.solvers), squeeze=False, sharex=True,
                             figsize=(4 * len(args.solvers), 2.8 * len(rows)))
    colors = {"prior": "tab:orange", "stability": "tab:blue"}
    for r, (v, key) in enumerate(rows):
        for c, s in enumerate(args.solvers):
            ax = axes[r][c]
            for i in INITS:
                a = series(runs, v, s, i, key)
                mean, std = np.nanmean(a, 0), np.nanstd(a, 0)
                epochs = np.arange(a.shape[1])
                ax.plot(epochs, mean, color=colors[i], label=f"{i} init")
                ax.fill_between(epochs, mean - std, mean + std, color=colors[i], alpha=0.2)
            ax.set_title(f"{s}, {v}")
            ax.set_ylabel("test accuracy" if key == "test_acc" else "test cross-entropy")
            if key == "test_acc":
                ax.set_ylim(0, 1)
            ax.grid(alpha=0.3)
            if r == len(rows) - 1:
                ax.set_xlabel("epoch")
    axes[0][0].legend(loc="lower right")
    fig.tight_layout()
    write_atomic(path, lambda f: fig.savefig(f, format="svg"))
    plt.close(fig)


# -- main ------------------------------------------------------------------------------------

def configs(args, data):
    x_tr, y_tr, x_te, y_te = data
    shared = {"x_train": x_tr, "y_train": y_tr, "x_test": x_te, "y_test": y_te,
              "states": args.states, "hidden": args.hidden, "epochs": args.epochs,
              "batch": args.batch, "lr": args.lr, "poles": args.poles}
    return [shared | {"variant": v, "solver": s, "init": i, "seed": seed}
            for v in args.variants for s in args.solvers for seed in range(args.seeds)
            for i in INITS]


def run_all(cfgs, jobs):
    if jobs == 1:
        return [train_run(c) for c in cfgs]
    # spawn: fresh interpreters, so no torch or odec state is shared with a forked parent.
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(train_run, cfgs))


def smoke_check(runs):
    for r in runs:
        name = f"{r['solver']}, {r['init']} init"
        if not all(math.isfinite(v) for v in r["test_loss"] + r["train_loss"][1:]):
            raise SystemExit(f"smoke check failed: {name}: a loss is not finite "
                             f"(test {r['test_loss']}, train {r['train_loss']})")
        if not r["test_acc"][-1] > 0.2:
            raise SystemExit(f"smoke check failed: {name}: final test accuracy "
                             f"{r['test_acc'][-1]:.3f} is not above chance (> 0.2)")
        if r["init"] == "stability" and not r["init_max_abs_R"] <= 0.99 + 1e-9:
            raise SystemExit(f"smoke check failed: {name}: max |R(hλ)| at init is "
                             f"{r['init_max_abs_R']:.4f}, above the init block's margin 0.99")
    print("smoke checks passed: finite losses, test accuracy > 0.2, "
          "stability init inside the region")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        import torch  # noqa: F401
        import odec.torch  # noqa: F401
    except ImportError as e:
        raise SystemExit(f"{e}: run with odec's build on PYTHONPATH (PYTHONPATH=build/python) "
                         "and Debian's /usr/bin/python3 (python3-torch)")
    os.makedirs(args.out, exist_ok=True)
    data = load_data(args.train_limit)
    print(f"digits: {len(data[0])} training and {len(data[2])} test images; "
          f"{args.seeds} seeds × {len(args.solvers)} solvers × 2 inits × "
          f"{len(args.variants)} variants, {args.epochs} epochs", flush=True)
    started = time.time()
    runs = run_all(configs(args, data), args.jobs)
    wall = time.time() - started
    text = report(runs, args, wall)
    print(text)
    write_atomic(os.path.join(args.out, "results.md"), lambda f: f.write(text))
    write_atomic(os.path.join(args.out, "runs.json"),
                 lambda f: json.dump({"settings": {k: v for k, v in vars(args).items()},
                                      "wall_seconds": wall, "runs": runs}, f, indent=1))
    plot(runs, args, os.path.join(args.out, "accuracy.svg"))
    print(f"wrote {args.out}/results.md, runs.json, accuracy.svg ({wall:.1f} s)")
    if args.smoke:
        smoke_check(runs)


if __name__ == "__main__":
    main()
