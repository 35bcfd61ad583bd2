#!/usr/bin/python3
"""The IMDE paper's MLP experiments (Zhu, Jin, Zhu, Tang, ICML 2022; science.md §2), with odec.

A 2×128 tanh MLP f_θ is trained on one-step data (x, φ_h(x)) of the exact flow of a true field
f, through one step of a Runge–Kutta method Φ_h (Euler, explicit midpoint, RK4) at several steps
h. The paper's claim: training returns the method's inverse modified field f_h = f + h^p f_p + …
(the IMDE, Φ_h[f_h] = φ_h[f]), so ‖f_θ − f‖ ≲ C h^p + (learning loss), while f_θ − f_h is only
the learning loss. For each run this script measures, on test points the training never saw,
  error vs f   = mean over test points of max_i |f_θ(x)_i − f(x)_i|    (the paper's metric)
  error vs f_h = the same against the IMDE truncated after h^5, from `odec imde`.

Systems (the .node files hold the true fields and the MLPs):
  cubic   the damped cubic oscillator ẏ = y³A, A = [[−0.1, −2], [2, −0.1]]; points uniform
          in [−2.2, 2.2]², as in the authors' code (cubic.node);
  lorenz  the Lorenz system scaled as in the authors' code (u = x/10, time unscaled); points
          on the attractor, training and test points from different trajectories (lorenz.node).

    PYTHONPATH=build/python python3 examples/imde_mlp/run.py [--out DIR]
        [--smoke | --full] [--jobs 2] [--seed 0] [--iterations N] [--train N] [--test N]

The default takes about 6 minutes on 2 idle cores; --smoke is the CTest configuration (the cubic
oscillator, Euler only, checked by the script); --full is the paper's size (10 000 training
points, 300 000 full-batch Adam iterations per run: days on a CPU).

f_h comes from `odec imde` (the binary: $ODEC_BINARY, else build/tools/odec/odec): its Julia
form of each term f_k (run once per system and method) becomes a .node model of
f_0 + h f_1 + … + h^5 f_5 that odec compiles and evaluates at all test points at once; the
script checks it against `odec imde --at x` (the CLI's own evaluation) at a few test points.
"""
import argparse
import json
import math
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
METHODS = {"Euler": 1, "Midpoint": 2, "RK4": 4}  # tableau name: order p
IMDE_ORDER = 5  # the highest order `odec imde` computes
SUBSTEPS = 200  # fine RK4 steps per h for the exact flow (error < 1e-10, checked at start)

SYSTEMS = {
    "cubic": {"file": "cubic.node", "true": "Cubic", "mlp": "CubicMLP",
              "steps": [0.005, 0.01, 0.02, 0.04]},
    "lorenz": {"file": "lorenz.node", "true": "Lorenz", "mlp": "LorenzMLP",
               "steps": [0.005, 0.01, 0.02, 0.04]},
}

# Sizes. iterations: Adam steps per run (mini-batches of `batch`, None: the whole set), the
# learning rate decaying exponentially from lr to lr·decay. The authors' code decays it by 1000
# over 300 000 full-batch steps (--full); the far shorter default ends lower, so that its last
# steps still refine.
CONFIGS = {
    "smoke": {"systems": ["cubic"], "methods": ["Euler"], "steps": {"cubic": [0.01, 0.04]},
              "train": 400, "test": 200, "iterations": 1500, "batch": 200, "lr": 0.01,
              "decay": 0.01},
    "default": {"systems": ["cubic", "lorenz"], "methods": list(METHODS), "steps": {},
                "train": 2000, "test": 500, "iterations": 10000, "batch": 250, "lr": 0.01,
                "decay": 0.0001},
    "full": {"systems": ["cubic", "lorenz"], "methods": list(METHODS), "steps": {},
             "train": 10000, "test": 2000, "iterations": 300000, "batch": None, "lr": 0.01,
             "decay": 0.001},
}


def fail(message):
    raise SystemExit(f"run.py: {message}")


def write_atomic(path, text):
    """Writes text to path through a temporary file in the same directory."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the results from other users
    os.replace(tmp, path)


# --- data -------------------------------------------------------------------------------------

def exact_flow(true, x, h):
    """φ_h(x) for every row of x: RK4 at h/SUBSTEPS."""
    return true.simulate({}, x, tableau="RK4", step=h / SUBSTEPS, steps=SUBSTEPS)[:, -1]


def cubic_points(rng, n):
    return rng.uniform(-2.2, 2.2, size=(n, 2))


def lorenz_points(true, rng, n, trajectories=8):
    """n points on the scaled Lorenz attractor: random times on `trajectories` trajectories that
    start near the authors' initial point (−0.8, 0.7, 2.6), after 5 time units of burn-in."""
    x0 = np.array([-0.8, 0.7, 2.6]) + 0.05 * rng.standard_normal((trajectories, 3))
    dt, burn, span = 0.005, 5.0, 20.0
    traj = true.simulate({}, x0, tableau="RK4", step=dt, steps=int((burn + span) / dt))
    on_attractor = traj[:, int(burn / dt):].reshape(-1, 3)
    return on_attractor[rng.choice(len(on_attractor), size=n, replace=n > len(on_attractor))]


def sample_points(system, true, rng, n):
    return cubic_points(rng, n) if system == "cubic" else lorenz_points(true, rng, n)


# --- training (one run per system, method and h; runs in worker processes) ---------------------

def train_run(job):
    """Adam on the one-step MSE through odec's fused solver. Returns the run's job key, the
    trained parameters, the final one-step MSE on the whole training set and the seconds."""
    import torch
    import odec.torch

    torch.set_num_threads(1)
    torch.manual_seed(job["seed"])
    start = time.perf_counter()
    spec = SYSTEMS[job["system"]]
    h = job["h"]
    ode = odec.torch.NeuralODE(os.path.join(HERE, spec["file"]), model=spec["mlp"],
                               tableau=job["method"], step=h, init="prior", seed=job["seed"])
    x, y = torch.from_numpy(job["x"]), torch.from_numpy(job["y"])
    opt = torch.optim.Adam(ode.parameters(), lr=job["lr"])
    sched = torch.optim.lr_scheduler.ExponentialLR(
        opt, gamma=job["decay"] ** (1.0 / job["iterations"]))
    rng = np.random.default_rng(job["seed"])
    batch = job["batch"] or len(x)
    order = np.empty(0, dtype=np.int64)
    for _ in range(job["iterations"]):
        if len(order) < batch:  # epochs of a fresh permutation
            order = np.concatenate([order, rng.permutation(len(x))])
        idx, order = torch.from_numpy(order[:batch]), order[batch:]
        opt.zero_grad()
        # Divided by h² the loss is the squared field error, of one scale at every h.
        loss = ((ode(x[idx], 1)[:, 1] - y[idx]) ** 2).mean() / h**2
        loss.backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        mse = ((ode(x, 1)[:, 1] - y) ** 2).mean().item()
    return job["key"], ode.params_numpy(), mse, time.perf_counter() - start


# --- fields at points --------------------------------------------------------------------------

def field_at(model, params, x):
    """f(x) row by row: one Euler step of length 1 moves x by exactly f(x)."""
    traj = model.simulate(params, x, tableau="Euler", step=1.0, steps=1)
    return traj[:, 1] - traj[:, 0]


def odec_binary():
    path = os.environ.get("ODEC_BINARY") or os.path.join(HERE, "..", "..", "build", "tools",
                                                         "odec", "odec")
    if not os.path.isfile(path):
        path = shutil.which("odec")
    if not path:
        fail("the odec CLI was not found: set ODEC_BINARY or build build/tools/odec/odec")
    return path


def odec_imde(binary, system, method, h, at):
    """`odec imde --json` of the system's true field for the method at step h and point `at`."""
    spec = SYSTEMS[system]
    cmd = [binary, "imde", os.path.join(HERE, spec["file"]), "--model", spec["true"],
           "--tableau", method, "--step", repr(h), "--order", str(IMDE_ORDER), "--json",
           "--at", ",".join(repr(float(v)) for v in at)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def imde_source(julia, model_name, states):
    """A .node model of the truncated IMDE f_h = Σ_k h^k f_k from `odec imde`'s Julia form of the
    terms ('t3 = …' bindings, then 'f_k[state] = …'), h a parameter. Each term's temporaries
    get the term's prefix, since every term numbers its own from t1."""
    lines, outputs = [], {name: [] for name in states}
    for k, text in enumerate(julia):
        for line in text.strip().splitlines():
            line = re.sub(r"\bt(\d+)\b", rf"k{k}_t\1", line)
            lhs, rhs = (s.strip() for s in line.split("=", 1))
            term = re.fullmatch(r"f_(\d+)\[(\w+)\]", lhs)
            if term:  # f_k of one state
                lines.append(f"    k{k}_{term.group(2)} = {rhs}")
                outputs[term.group(2)].append((k, f"k{k}_{term.group(2)}"))
            else:
                lines.append(f"    {lhs} = {rhs}")
    header = [f"model {model_name}"] + [
        f"    state {name}::Vector{{{shape[0]}}}" if shape else f"    state {name}::Real"
        for name, shape in states.items()] + ["    param h::Real ~ Constant(0.0)"]
    derivatives = [f"    ddt({name}) = " + " .+ ".join(
        term if k == 0 else f"h^{k} .* {term}" for k, term in terms)
        for name, terms in outputs.items()]
    return "\n".join(header + lines + derivatives + ["end", ""])


class TruncatedImde:
    """f_h of one system and method at many points: the .node model of `odec imde`'s series."""

    def __init__(self, binary, system, method, true, probe, out_dir):
        import odec

        doc = odec_imde(binary, system, method, 1.0, probe)
        name = f"{system.capitalize()}Imde{method}"
        source = (f"# {name}: `odec imde {SYSTEMS[system]['file']} --model "
                  f"{SYSTEMS[system]['true']} --tableau {method} --order {IMDE_ORDER}`, the "
                  f"truncated IMDE f_0 + h f_1 + … + h^{IMDE_ORDER} f_{IMDE_ORDER}, written by "
                  f"run.py from the command's Julia output. The terms:\n"
                  + "".join(f"#   f_{k} = {t}\n" for k, t in enumerate(doc["formulas"]))
                  + imde_source(doc["julia"], name, true.states))
        write_atomic(os.path.join(out_dir, f"imde_{system}_{method}.node"), source)
        self.model = odec.compile_source(source, name=f"imde_{system}_{method}.node").model()
        self.binary, self.system, self.method = binary, system, method

    def __call__(self, x, h):
        return field_at(self.model, {"h": np.array(h)}, x)

    def check(self, x, h):
        """The compiled series against the CLI's own `sum` at the rows of x (relative 1e-9)."""
        mine = self(x, h)
        for row, value in zip(x, mine):
            cli = np.array(odec_imde(self.binary, self.system, self.method, h, row)["sum"])
            if not np.allclose(value, cli, rtol=1e-9, atol=1e-9 * np.abs(cli).max()):
                fail(f"the compiled IMDE of {self.system}/{self.method} disagrees with "
                     f"`odec imde --at`: {value} against {cli} at {row}")


def error(a, b):
    """The paper's metric: the mean over points of the largest component's |difference|."""
    return float(np.abs(a - b).max(axis=1).mean())


def one_step_rms(model, params, method, h, x, y):
    """√(mean squared one-step error) / h of a field against the data: the size, in field units,
    of what the training loss measures."""
    step = model.simulate(params, x, tableau=method, step=h, steps=1)[:, 1]
    return math.sqrt(float(((step - y) ** 2).mean())) / h


# --- report ------------------------------------------------------------------------------------

def slope(hs, errors):
    """The least-squares slope of log(error) against log(h)."""
    return float(np.polyfit(np.log(hs), np.log(errors), 1)[0])


def table(rows):
    lines = ["| method | h | training loss (one-step MSE) | √loss / h | ‖f_h − f‖ | error vs f | "
             "error vs f_h | f_h's own √MSE / h |", "|" + "---|" * 8]
    for r in rows:
        lines.append(f"| {r['method']} | {r['h']:g} | {r['loss']:.3e} | {r['loss_field']:.3e} | "
                     f"{r['fh_vs_f']:.3e} | {r['error_f']:.3e} | {r['error_fh']:.3e} | "
                     f"{r['fh_residual']:.2e} |")
    return "\n".join(lines)


def slope_table(rows):
    lines = ["| method | order p | slope of ‖f_h − f‖ | slope of error vs f | "
             "slope of error vs f_h |", "|---|---|---|---|---|"]
    for method, p in METHODS.items():
        mine = [r for r in rows if r["method"] == method]
        if len(mine) > 1:
            hs = [r["h"] for r in mine]
            lines.append(f"| {method} | {p} | " + " | ".join(
                f"{slope(hs, [r[key] for r in mine]):.2f}"
                for key in ("fh_vs_f", "error_f", "error_fh")) + " |")
    return "\n".join(lines)


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text as text: a smaller, searchable SVG
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    systems = list(results)
    methods = [m for m in METHODS if any(r["method"] == m for rows in results.values()
                                         for r in rows)]
    fig, axes = plt.subplots(len(systems), len(methods), squeeze=False,
                             figsize=(4.2 * len(methods), 3.6 * len(systems)))
    for i, system in enumerate(systems):
        for j, method in enumerate(methods):
            ax, rows = axes[i][j], [r for r in results[system] if r["method"] == method]
            hs = [r["h"] for r in rows]
            ax.loglog(hs, [r["error_f"] for r in rows], "o-", label="error vs f")
            ax.loglog(hs, [r["error_fh"] for r in rows], "s--", label="error vs f_h")
            ax.loglog(hs, [r["loss_field"] for r in rows], "x:", label="√loss / h")
            ax.loglog(hs, [r["fh_vs_f"] for r in rows], color="grey", lw=0.8,
                      label=f"‖f_h − f‖ ∝ h^{METHODS[method]}")
            ax.set_xticks(hs)
            ax.set_xticklabels([f"{h:g}" for h in hs])
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_title(f"{system}: {method}")
            ax.set_xlabel("step h")
            ax.set_ylabel("mean max-abs error")
            ax.legend(fontsize=7)
    fig.suptitle("f_θ trained with a solver of step h: error against f and against the IMDE f_h")
    fig.tight_layout()
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".svg")
    os.close(fd)
    fig.savefig(tmp, format="svg")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    plt.close(fig)


# --- the experiment ----------------------------------------------------------------------------

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="imde_mlp_out", help="output directory")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--smoke", action="store_true", help="the tiny CTest configuration")
    size.add_argument("--full", action="store_true", help="the paper's size (days)")
    ap.add_argument("--jobs", type=int, default=2, help="training processes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--iterations", type=int, help="Adam steps per run")
    ap.add_argument("--train", type=int, help="training points")
    ap.add_argument("--test", type=int, help="test points")
    ap.add_argument("--systems", help="comma-separated subset of cubic,lorenz")
    args = ap.parse_args()
    config = dict(CONFIGS["smoke" if args.smoke else "full" if args.full else "default"])
    for key in ("iterations", "train", "test"):
        value = getattr(args, key)
        if value is not None:
            if value < 1:
                ap.error(f"--{key} must be positive")
            config[key] = value
    if args.systems:
        config["systems"] = args.systems.split(",")
        unknown = [s for s in config["systems"] if s not in SYSTEMS]
        if unknown:
            ap.error(f"unknown system {unknown[0]!r}; choose from {', '.join(SYSTEMS)}")
    if args.jobs < 1:
        ap.error("--jobs must be positive")
    return args, config


def make_data(system, true, config, seed):
    """Training pairs (x, φ_h(x)) for every h, and the test points (shared by all h)."""
    rng = np.random.default_rng([seed, list(SYSTEMS).index(system)])
    x_train = sample_points(system, true, rng, config["train"])
    x_test = sample_points(system, true, rng, config["test"])
    steps = config["steps"].get(system, SYSTEMS[system]["steps"])
    flows = {h: exact_flow(true, x_train, h) for h in steps}
    # The data's own error: RK4 at twice as many substeps changes φ_h by this much.
    h = max(steps)
    finer = true.simulate({}, x_train, tableau="RK4", step=h / (2 * SUBSTEPS),
                          steps=2 * SUBSTEPS)[:, -1]
    print(f"{system}: exact-flow check at h = {h}: max |Δφ_h| = "
          f"{np.abs(finer - flows[h]).max():.1e}", flush=True)
    return x_train, x_test, flows


def prepare(config, seed):
    """The data of every system and the training runs: one per system, method and h."""
    import odec

    data, jobs = {}, []
    for system in config["systems"]:
        spec = SYSTEMS[system]
        true = odec.load(os.path.join(HERE, spec["file"])).model(spec["true"])
        x_train, x_test, flows = make_data(system, true, config, seed)
        data[system] = (true, x_train, x_test, flows)
        for method in config["methods"]:
            for h in flows:
                jobs.append({"key": (system, method, h), "system": system, "method": method,
                             "h": h, "x": x_train, "y": flows[h], "seed": seed,
                             **{k: config[k] for k in ("iterations", "batch", "lr", "decay")}})
    return data, jobs


def train_all(jobs, processes):
    """{(system, method, h): (parameters, one-step MSE)}; the runs spread over processes."""
    trained = {}
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        for key, params, mse, seconds in pool.imap_unordered(train_run, jobs):
            trained[key] = (params, mse)
            print(f"  {key[0]} {key[1]:8s} h = {key[2]:<6g} one-step MSE {mse:.3e} "
                  f"({seconds:.0f} s)", flush=True)
    return trained


def evaluate(system, data, methods, trained, binary, out_dir):
    """One table row per method and h: the trained f_θ against f and the IMDE f_h on the test
    points. Saves the trained parameters on the way."""
    import odec

    true, x_train, x_test, flows = data
    spec = SYSTEMS[system]
    mlp = odec.load(os.path.join(HERE, spec["file"])).model(spec["mlp"])
    f_test = field_at(true, {}, x_test)
    rows = []
    for method in methods:
        imde = TruncatedImde(binary, system, method, true, x_test[0], out_dir)
        imde.check(x_test[:3], max(flows))
        for h, y in flows.items():
            params, mse = trained[(system, method, h)]
            odec.save_params(os.path.join(out_dir, "params", f"{system}_{method}_{h:g}.json"),
                             params, mlp)
            f_theta, f_h = field_at(mlp, params, x_test), imde(x_test, h)
            rows.append({
                "method": method, "h": h, "loss": mse, "loss_field": math.sqrt(mse) / h,
                "error_f": error(f_theta, f_test), "error_fh": error(f_theta, f_h),
                "fh_vs_f": error(f_h, f_test),
                "fh_residual": one_step_rms(imde.model, {"h": np.array(h)}, method, h,
                                            x_train, y)})
    text = (f"## {system}\n\n{table(rows)}\n\n{slope_table(rows)}\n\n"
            f"Mean max-abs |f| over the test points: {np.abs(f_test).max(axis=1).mean():.3f}\n")
    write_atomic(os.path.join(out_dir, f"{system}.md"), text)
    print("\n" + text, flush=True)
    return rows


def main():
    args, config = parse_args()
    try:  # after argparse, so that --help works without the package
        import odec  # noqa: F401
        import odec.torch  # noqa: F401 (the workers need it; fail here, not in each of them)
    except ImportError as e:
        fail(f"{e}: put odec's build on PYTHONPATH (PYTHONPATH=build/python) and use an "
             "interpreter with numpy and torch (Debian's /usr/bin/python3)")
    try:
        os.makedirs(os.path.join(args.out, "params"), exist_ok=True)
    except OSError as e:
        fail(f"cannot create the output directory: {e}")
    binary = odec_binary()
    started = time.perf_counter()

    data, jobs = prepare(config, args.seed)
    print(f"training {len(jobs)} runs ({config['iterations']} Adam steps each, "
          f"{config['train']} points) on {args.jobs} processes", flush=True)
    trained = train_all(jobs, args.jobs)
    results = {system: evaluate(system, data[system], config["methods"], trained, binary,
                                args.out) for system in data}

    plot(results, os.path.join(args.out, "errors.svg"))
    write_atomic(os.path.join(args.out, "results.json"),
                 json.dumps({"config": config, "seed": args.seed,
                             "steps": {s: list(d[3]) for s, d in data.items()},
                             "results": results,
                             "seconds": time.perf_counter() - started}, indent=1))
    print(f"wrote {args.out}/ in {time.perf_counter() - started:.0f} s", flush=True)
    if args.smoke:
        smoke_checks(results)


def smoke_checks(results):
    """The CTest test's assertions: finite numbers, and at the largest h of Euler, f_θ closer
    to the IMDE f_h than to f (the paper's claim where Euler's O(h) error is largest)."""
    rows = [r for rows in results.values() for r in rows]
    for r in rows:
        for key in ("loss", "error_f", "error_fh", "fh_residual"):
            if not math.isfinite(r[key]):
                raise SystemExit(f"smoke check failed: {key} = {r[key]} for {r['method']} "
                                 f"h = {r['h']}")
    for system, rows in results.items():
        euler = max((r for r in rows if r["method"] == "Euler"), key=lambda r: r["h"])
        if not euler["error_fh"] < euler["error_f"]:
            raise SystemExit(f"smoke check failed: {system}, Euler h = {euler['h']}: the error "
                             f"against f_h ({euler['error_fh']:.3e}) is not below the error "
                             f"against f ({euler['error_f']:.3e})")
        print(f"smoke checks passed: {system}, Euler h = {euler['h']}: error vs f_h "
              f"{euler['error_fh']:.3e} < error vs f {euler['error_f']:.3e}")


if __name__ == "__main__":
    sys.exit(main())
