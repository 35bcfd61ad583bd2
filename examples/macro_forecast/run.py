#!/usr/bin/env python3
"""Forecasting US macro series with a driven neural ODE (issue #21, experiment 2).

Data: statsmodels' `macrodata` (quarterly, 1959Q1-2009Q3). The observed state is
(unemployment, inflation, real GDP growth), the known exogenous inputs are (3-month T-bill rate,
real government spending growth). The data set has no gaps, so a fixed, seeded fraction of the
training state values is removed from the training loss. Training ends in 1999Q4; the test
period is 2000Q1-2009Q3.

The neural ODE (macro.node) is trained on windows of K quarters through odec.torch, once from
the priors U(+-1/sqrt(fan_in)) and once from odec's stability-informed init (the model's init
block), over several seeds, and compared with persistence, the training mean and a VARX
(statsmodels' VARMAX, whose Kalman filter skips the same gaps) on forecasts from every test
origin (1 to 4 quarters ahead) and on one rollout over the whole test period.

    PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 examples/macro_forecast/run.py
"""

import argparse
import copy
import json
import os
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np

try:
    import torch
    import odec
    import odec.torch
except ImportError as e:
    raise SystemExit(f"error: {e}: run with Debian's /usr/bin/python3 (torch) and "
                     "PYTHONPATH=<build>/python (odec)")

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_FILE = os.path.join(HERE, "macro.node")
STATES = ["unemp", "infl", "gdp_growth"]
STATE_LABELS = ["unemployment (%)", "inflation (% p.a.)", "real GDP growth (% p.a.)"]
TEST_START = (2000, 1)  # the first test quarter; training ends the quarter before
INITS = ["prior", "stability"]


@dataclass
class Config:
    seeds: int
    epochs: int
    window: int  # K: quarters predicted per training window
    batch: int
    lr: float
    gap_fraction: float
    gap_seed: int
    horizon: int  # quarters ahead in the rolling-origin evaluation and the validation
    validation: int  # the last training quarters that choose the epoch (early stopping)
    var_orders: list


COMMON = dict(window=8, batch=32, lr=0.002, gap_fraction=0.10, gap_seed=21, horizon=4,
              validation=28)
PRESETS = {
    "smoke": Config(seeds=1, epochs=25, var_orders=[1], **COMMON),
    "default": Config(seeds=5, epochs=500, var_orders=[1, 2, 3, 4], **COMMON),
    "full": Config(seeds=20, epochs=2000, var_orders=[1, 2, 3, 4, 5, 6], **COMMON),
}


# ----------------------------------------------------------------------------------- data

@dataclass
class Data:
    quarters: np.ndarray  # (N,) year + (quarter - 1) / 4, for plots
    labels: list          # "1999Q4" per sample
    X: np.ndarray         # (N, 3) states, original units, complete
    U: np.ndarray         # (N, 2) inputs, original units
    n_train: int
    n_fit: int            # the ODE is fitted on [0, n_fit), validated on [n_fit, n_train)
    X_train_gapped: np.ndarray  # (n_train, 3) with NaN where a value was removed
    x_mean: np.ndarray
    x_std: np.ndarray
    u_mean: np.ndarray
    u_std: np.ndarray

    def zx(self, x):
        return (x - self.x_mean) / self.x_std

    def zu(self, u):
        return (u - self.u_mean) / self.u_std

    def unz(self, z):
        return z * self.x_std + self.x_mean


def load_macrodata():
    try:
        import statsmodels.api as sm
        frame = sm.datasets.macrodata.load_pandas().data
    except ImportError as e:
        raise SystemExit(f"error: statsmodels is needed for its macrodata set ({e}); "
                         "install Debian's python3-statsmodels and run with /usr/bin/python3")
    except (OSError, ValueError) as e:
        raise SystemExit(f"error: statsmodels' macrodata set could not be read: {e}")
    return frame


def prepare(frame, cfg):
    """Growth rates as annualized log differences (the set's own `infl` is defined so), which
    drops the first quarter; the split, the gaps and the standardization."""
    def growth(col):
        return 400.0 * np.diff(np.log(frame[col].to_numpy(float)))
    X = np.column_stack([frame["unemp"].to_numpy(float)[1:], frame["infl"].to_numpy(float)[1:],
                         growth("realgdp")])
    U = np.column_stack([frame["tbilrate"].to_numpy(float)[1:], growth("realgovt")])
    year = frame["year"].to_numpy(int)[1:]
    quarter = frame["quarter"].to_numpy(int)[1:]
    test = np.flatnonzero((year == TEST_START[0]) & (quarter == TEST_START[1]))
    if test.size != 1 or not np.all(np.isfinite(X)) or not np.all(np.isfinite(U)):
        raise SystemExit("error: macrodata does not have the expected quarters 1959Q1-2009Q3")
    n_train = int(test[0])
    if not cfg.window < n_train - cfg.validation - cfg.horizon:
        raise SystemExit("error: --window and the validation block leave no training window")
    gapped = remove_values(X[:n_train], cfg.gap_fraction, cfg.gap_seed)
    x_mean, x_std = np.nanmean(gapped, axis=0), np.nanstd(gapped, axis=0)
    u_mean, u_std = U[:n_train].mean(axis=0), U[:n_train].std(axis=0)
    return Data(quarters=year + (quarter - 1) / 4.0,
                labels=[f"{y}Q{q}" for y, q in zip(year, quarter)], X=X, U=U, n_train=n_train,
                n_fit=n_train - cfg.validation,
                X_train_gapped=gapped, x_mean=x_mean, x_std=x_std, u_mean=u_mean, u_std=u_std)


def remove_values(X, fraction, seed):
    """A copy of X with round(fraction * size) state values set to NaN, chosen uniformly with a
    fixed seed. The last row is kept: it is the forecast origin shared by every method."""
    gapped = X.copy()
    candidates = gapped[:-1].shape
    rng = np.random.default_rng(seed)
    chosen = rng.choice(np.prod(candidates), size=int(round(fraction * gapped.size)),
                        replace=False)
    gapped[np.unravel_index(chosen, candidates)] = np.nan
    return gapped


# --------------------------------------------------------------------------- the neural ODE

@dataclass
class Windows:
    x0: torch.Tensor       # (B, 3) standardized states at the window starts
    t0: np.ndarray         # (B,) start quarters
    targets: torch.Tensor  # (B, K, 3) standardized, NaN where missing
    skipped: int           # windows left out because their first state has a gap


def make_windows(data, starts, K):
    """The windows of K quarters from the given start quarters that start from a complete
    state (a window whose first state has a gap has no x0 and is left out, as in odec train);
    the targets are the gapped training values."""
    Z = data.zx(data.X_train_gapped)
    complete = np.all(np.isfinite(Z[starts]), axis=1)
    kept = starts[complete]
    targets = np.stack([Z[k + 1:k + K + 1] for k in kept])
    return Windows(x0=torch.from_numpy(Z[kept].copy()), t0=kept.astype(float),
                   targets=torch.from_numpy(targets), skipped=int((~complete).sum()))


def training_windows(data, cfg):
    """Every window inside the fitting part, and the validation block's rolling-origin
    forecasts (1 to `horizon` quarters from each of its origins) that choose the epoch."""
    fit = make_windows(data, np.arange(data.n_fit - cfg.window), cfg.window)
    val = make_windows(data, np.arange(data.n_fit - 1, data.n_train - cfg.horizon), cfg.horizon)
    return fit, val


def masked_mse(pred, target):
    """The mean over the observed values only: a gap is neither a 0 nor in the count."""
    observed = ~torch.isnan(target)
    return ((pred - target.nan_to_num()) ** 2)[observed].mean()


class Forecaster:
    """A NeuralODE with its solver settings and its input samples: states at whole quarters
    from any start quarter."""

    def __init__(self, ode, substeps, input_times, input_values):
        self.ode, self.substeps = ode, substeps
        self.inputs = (input_times, input_values)

    def __call__(self, x0, t0, quarters):
        traj = self.ode(x0, steps=quarters * self.substeps, t0=t0, inputs=self.inputs)
        return traj[:, self.substeps::self.substeps]  # (B, quarters, 3), the start dropped


def solver_settings():
    """The init block's solver and step, used for both inits so that they differ only in the
    initial parameters."""
    model = odec.load(MODEL_FILE).model("Macro")
    _, report = model.initialize(0)
    substeps = 1.0 / report["step"]
    if abs(substeps - round(substeps)) > 1e-12:
        raise SystemExit(f"error: the init block's step {report['step']} does not divide a "
                         "quarter (one time unit)")
    return report["solver"], report["step"], int(round(substeps))


@dataclass
class Run:
    ode: odec.torch.NeuralODE  # with the parameters of the chosen epoch
    train: np.ndarray          # (epochs+1,) loss over the training windows
    val: np.ndarray            # (epochs+1,) loss over the validation forecasts
    best_epoch: int
    init_max_R: float          # max |R(hλ)| of the initial parameters (initial_max_abs_R)
    init_report: dict          # the stability init's report (None for the priors)


def train(init, seed, data, fit, val, cfg, solver):
    """Adam on minibatches of the fitting windows. Returns the parameters of the epoch with the
    lowest validation loss (early stopping: the training loss falls for thousands of epochs
    while the validation forecasts are best after a few dozen), the masked MSE over all fitting windows
    and over the validation forecasts (standardized units) before training and after each
    epoch, and the stability init's report, as a Run."""
    tableau, step, substeps = solver
    torch.manual_seed(seed)
    try:
        ode = odec.torch.NeuralODE(MODEL_FILE, model="Macro", tableau=tableau, step=step,
                                   init=init, seed=seed)
    except odec.InitError as e:
        raise SystemExit(f"error: the stability-informed init failed for seed {seed}: {e}")
    init_max_R = initial_max_abs_R(ode.params_numpy(), tableau, step)
    inputs = (np.arange(data.n_train, dtype=float), data.zu(data.U[:data.n_train]))
    model = Forecaster(ode, substeps, *inputs)
    opt = torch.optim.Adam(ode.parameters(), lr=cfg.lr)
    order = torch.Generator().manual_seed(seed)

    def loss(windows):
        with torch.no_grad():
            K = windows.targets.shape[1]
            return float(masked_mse(model(windows.x0, windows.t0, K), windows.targets))

    curves = [(loss(fit), loss(val))]
    best, best_val = copy.deepcopy(ode.state_dict()), curves[0][1]
    for _ in range(cfg.epochs):
        for idx in torch.randperm(fit.x0.shape[0], generator=order).split(cfg.batch):
            opt.zero_grad()
            pred = model(fit.x0[idx], fit.t0[idx.numpy()], cfg.window)
            masked_mse(pred, fit.targets[idx]).backward()
            torch.nn.utils.clip_grad_norm_(ode.parameters(), 1.0)  # as the paper trains
            opt.step()
        curves.append((loss(fit), loss(val)))
        if curves[-1][1] < best_val:
            best, best_val = copy.deepcopy(ode.state_dict()), curves[-1][1]
    ode.load_state_dict(best)
    curves = np.array(curves)
    return Run(ode=ode, train=curves[:, 0], val=curves[:, 1],
               best_epoch=int(np.argmin(curves[:, 1])), init_max_R=init_max_R,
               init_report=ode.init_report)


def initial_max_abs_R(params, tableau, step):
    """max |R(hλ)| over the eigenvalues λ of ∂f/∂x at the init block's operating point
    (x = 0, u = 0), R the solver's stability function: above 1, a solver step amplifies that
    mode. The Jacobian is written out for macro.node's field f = W2 tanh.(W1 [x; u] + b1) + b2
    (odec's Python API reports eigenvalues for its own init only)."""
    W1, b1, W2 = params["W1"], params["b1"], params["W2"]
    z = step * np.linalg.eigvals(W2 @ np.diag(1 - np.tanh(b1) ** 2) @ W1[:, :len(STATES)])
    R = odec.tableau(tableau)["stability_function"]
    ratio = np.polyval(R["numerator"][::-1], z) / np.polyval(R["denominator"][::-1], z)
    return float(np.max(np.abs(ratio)))


def ode_forecasts(ode, data, solver, origins, horizon):
    """(len(origins), horizon, 3) forecasts in original units from the observed states at the
    origins, driven by the observed (known) inputs."""
    model = Forecaster(ode, solver[2], np.arange(len(data.U), dtype=float), data.zu(data.U))
    x0 = torch.from_numpy(data.zx(data.X[origins]))
    with torch.no_grad():
        z = model(x0, origins.astype(float), horizon).numpy()
    return data.unz(z)


# ---------------------------------------------------------------------------- baselines

def fit_varx(data, orders):
    """VARMAX(p, 0) with a constant and the inputs lagged by one quarter as exogenous
    regressors (y_t = c + sum_i A_i y_{t-i} + B u_{t-1} + e_t, the ODE's timing), fitted by
    maximum likelihood on the standardized, gapped training part: the Kalman filter leaves the
    missing values out of the likelihood. p is the AIC's choice among `orders`."""
    from statsmodels.tsa.statespace.varmax import VARMAX
    endog, exog = data.zx(data.X_train_gapped)[1:], data.zu(data.U[:data.n_train - 1])
    fits = {}
    for p in orders:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels' chatter; convergence is checked here
            res = VARMAX(endog, exog=exog, order=(p, 0), trend="c").fit(disp=False, maxiter=1000)
        if not res.mle_retvals.get("converged", True):
            print(f"warning: the VARX(p = {p}) likelihood did not converge")
        fits[p] = res
    best = min(fits, key=lambda p: fits[p].aic)
    return fits[best], {p: float(r.aic) for p, r in fits.items()}


def varx_forecasts(res, data, origins, horizon):
    """Forecasts from each origin with the training fit's parameters, filtering the data up to
    the origin (the gapped training part, then the complete test part) and the known inputs."""
    Z = data.zx(np.vstack([data.X_train_gapped, data.X[data.n_train:]]))
    W = data.zu(data.U)
    out = []
    for o in origins:
        # Sample t of the model is quarter t+1 (the training fit starts a quarter late).
        model = res.model.clone(Z[1:o + 1], exog=W[:o])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            filtered = model.filter(res.params)
            out.append(filtered.forecast(horizon, exog=W[o:o + horizon]))
    return data.unz(np.asarray(out))


def persistence_forecasts(data, origins, horizon):
    return np.repeat(data.X[origins][:, None, :], horizon, axis=1)


def mean_forecasts(data, origins, horizon):
    return np.broadcast_to(data.x_mean, (len(origins), horizon, 3)).copy()


# ------------------------------------------------------------------------------ scoring

def truth(data, origins, horizon):
    return np.stack([data.X[o + 1:o + 1 + horizon] for o in origins])


def rmse(forecast, target):
    """Per-series RMSE over origins and horizons."""
    return np.sqrt(np.mean((forecast - target) ** 2, axis=(0, 1)))


def scaled(r, data):
    """The RMSEs in training standard deviations, averaged over the series: one number."""
    return float(np.mean(r / data.x_std))


def evaluate(data, cfg, odes, solver, varx):
    """RMSE tables for the rolling-origin forecasts (every origin from the last training quarter
    with `horizon` quarters after it in the data) and the whole-test rollout from the last
    training quarter; the rollouts themselves for the plot."""
    N, H = len(data.X), cfg.horizon
    cases = {"rolling": (np.arange(data.n_train - 1, N - H), H),
             "rollout": (np.array([data.n_train - 1]), N - data.n_train)}
    results, rollouts = {}, {}
    for case, (origins, horizon) in cases.items():
        forecasts = {"persistence": persistence_forecasts(data, origins, horizon),
                     "training mean": mean_forecasts(data, origins, horizon),
                     "VARX": varx_forecasts(varx, data, origins, horizon)}
        for init in INITS:
            forecasts[init] = np.array([ode_forecasts(ode, data, solver, origins, horizon)
                                        for ode in odes[init]])  # (seeds, origins, horizon, 3)
        target = truth(data, origins, horizon)
        results[case] = {name: rmse(f, target) for name, f in forecasts.items()
                         if name not in INITS}
        for init in INITS:
            results[case][f"neural ODE, {init} init"] = np.array(
                [rmse(f, target) for f in forecasts[init]])
        if case == "rollout":
            rollouts = {name: f[..., 0, :, :] for name, f in forecasts.items()}
    return results, rollouts


# ------------------------------------------------------------------------------ reporting

def fmt(values, digits=3):
    """'m' for one number, 'm ± s' over seeds for a (seeds,) array."""
    values = np.atleast_1d(values)
    if values.size == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def rmse_table(rows, data):
    head = "| method | " + " | ".join(STATE_LABELS) + " | mean RMSE / training std |"
    lines = [head, "|" + "---|" * (len(STATES) + 2)]
    for name, r in rows.items():
        r = np.asarray(r)
        per_series = r if r.ndim == 2 else r[None]
        cells = [fmt(per_series[:, j]) for j in range(len(STATES))]
        score = fmt(np.array([scaled(s, data) for s in per_series]))
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {score} |")
    return "\n".join(lines)


def loss_table(runs, epochs):
    """max |R(hλ)| at init; training and validation losses at a few epochs; the epoch early
    stopping chose."""
    marks = sorted(e for e in {0, 2, 5, 10, epochs // 10, epochs // 2, epochs} if e <= epochs)
    lines = ["| init | max \\|R(hλ)\\| at init | loss | "
             + " | ".join(f"epoch {e}" for e in marks)
             + " | chosen epoch | validation loss there |",
             "|" + "---|" * (len(marks) + 5)]
    for init in INITS:
        max_R = np.array([r.init_max_R for r in runs[init]])
        unstable = f"{fmt(max_R)} ({int((max_R > 1).sum())} of {len(max_R)} above 1)"
        best = np.array([r.best_epoch for r in runs[init]])
        best_val = np.array([r.val[r.best_epoch] for r in runs[init]])
        for kind in ("train", "val"):
            c = np.array([getattr(r, kind) for r in runs[init]])
            name = "training" if kind == "train" else "validation"
            tail = f" {fmt(best, 0)} | {fmt(best_val)} |" if kind == "val" else " | |"
            first = f"| {init} | {unstable} |" if kind == "train" else "| | |"
            lines.append(f"{first} {name} | " + " | ".join(fmt(c[:, e]) for e in marks)
                         + " |" + tail)
    return "\n".join(lines)


def atomic_write(path, write):
    """write(tmp_path) then rename over path, so a reader never sees half a file."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text(path, text):
    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    atomic_write(path, write)


def save_svg(fig, path):
    import matplotlib.pyplot as plt
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="svg", bbox_inches="tight"))
    plt.close(fig)


COLORS = {"prior": "tab:orange", "stability": "tab:blue"}


def plot_forecast(data, rollouts, path):
    import matplotlib.pyplot as plt
    start = int(np.searchsorted(data.quarters, 1990.0))
    origin = data.n_train - 1
    t_test = data.quarters[data.n_train:]
    fig, axes = plt.subplots(len(STATES), 1, figsize=(9, 9), sharex=True)
    for j, ax in enumerate(axes):
        ax.plot(data.quarters[start:], data.X[start:, j], color="black", lw=1.5, label="data")
        gaps = np.isnan(data.X_train_gapped[start:, j])
        ax.plot(data.quarters[start:data.n_train][gaps], data.X[start:data.n_train, j][gaps],
                "x", color="red", ms=4, label="removed from the training loss")
        for init in INITS:
            f = rollouts[init][:, :, j]
            ax.plot(t_test, f.mean(axis=0), color=COLORS[init],
                    label=f"neural ODE, {init} init (mean ± std over seeds)")
            ax.fill_between(t_test, f.mean(axis=0) - f.std(axis=0),
                            f.mean(axis=0) + f.std(axis=0), color=COLORS[init], alpha=0.2)
        ax.plot(t_test, rollouts["VARX"][:, j], "--", color="tab:green", label="VARX")
        ax.plot(t_test, rollouts["persistence"][:, j], ":", color="gray", label="persistence")
        ax.axvline(data.quarters[origin], color="gray", lw=0.8)
        ax.set_ylabel(STATE_LABELS[j])
    axes[0].set_title(f"Forecasts from {data.labels[origin]} over the test period, "
                      "driven by the observed T-bill rate and government spending growth",
                      fontsize=10)
    axes[-1].set_xlabel("year")
    axes[0].legend(fontsize=7, loc="upper left")
    save_svg(fig, path)


def plot_losses(runs, path):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, kind, title in [(axes[0], "train", "training windows (fitting part)"),
                            (axes[1], "val", "validation forecasts (last training quarters)")]:
        for init in INITS:
            c = np.array([getattr(r, kind) for r in runs[init]])
            epochs = np.arange(c.shape[1])
            mean, std = c.mean(axis=0), c.std(axis=0)
            ax.plot(epochs, mean, color=COLORS[init], label=f"{init} init ({c.shape[0]} seeds)")
            ax.fill_between(epochs, np.maximum(mean - std, 1e-3), mean + std,
                            color=COLORS[init], alpha=0.2)
        ax.set_yscale("log")
        ax.set_xscale("symlog", linthresh=10)  # the inits differ in the first epochs
        ax.set_xlabel("epoch")
        ax.set_title(f"MSE over the {title}", fontsize=10)
    axes[0].set_ylabel("masked MSE (standardized), mean ± std")
    axes[0].legend()
    save_svg(fig, path)


# ---------------------------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="macro_forecast_out", help="output folder")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--smoke", action="store_true",
                      help="tiny configuration that checks its own numbers (CTest)")
    size.add_argument("--full", action="store_true",
                      help=f"larger configuration: {PRESETS['full'].seeds} seeds, "
                           f"{PRESETS['full'].epochs} epochs, VARX orders up to "
                           f"{PRESETS['full'].var_orders[-1]}")
    p.add_argument("--seeds", type=int, help="seeds per init")
    p.add_argument("--epochs", type=int, help="training epochs")
    p.add_argument("--window", type=int, help="quarters per training window (K)")
    p.add_argument("--lr", type=float, help="Adam's learning rate")
    p.add_argument("--gap-fraction", type=float,
                   help="fraction of training state values removed from the loss")
    args = p.parse_args(argv)
    preset = PRESETS["smoke" if args.smoke else "full" if args.full else "default"]
    cfg = Config(**{k: getattr(args, k) if getattr(args, k, None) is not None else v
                    for k, v in vars(preset).items()})
    for name, ok in [("--seeds", cfg.seeds >= 1), ("--epochs", cfg.epochs >= 1),
                     ("--window", 1 <= cfg.window <= 40), ("--lr", cfg.lr > 0),
                     ("--gap-fraction", 0 <= cfg.gap_fraction <= 0.5)]:
        if not ok:
            p.error(f"{name} is out of range (seeds, epochs >= 1; 1 <= window <= 40; lr > 0; "
                    "0 <= gap fraction <= 0.5)")
    return args, cfg


def smoke_checks(runs, results):
    for init in INITS:
        for r in runs[init]:
            if not (np.all(np.isfinite(r.train)) and np.all(np.isfinite(r.val))):
                raise SystemExit(f"smoke check failed: {init} init: a non-finite loss")
            if not r.train[-1] < r.train[0]:
                raise SystemExit(f"smoke check failed: {init} init: the training loss did not "
                                 f"decrease ({r.train[0]:.4g} -> {r.train[-1]:.4g})")
    for case, rows in results.items():
        for name, r in rows.items():
            if not np.all(np.isfinite(r)):
                raise SystemExit(f"smoke check failed: {case}: {name}: a non-finite forecast")
    print("smoke checks passed: finite, decreasing training losses; finite forecasts")


def train_all(data, cfg, solver):
    """Both inits, every seed; the log shows each run's losses."""
    fit, val = training_windows(data, cfg)
    print(f"{fit.x0.shape[0]} training windows of {cfg.window} quarters ({fit.skipped} skipped: "
          f"a gap at the start), {val.x0.shape[0]} validation origins ({val.skipped} skipped)")
    runs = {}
    for init in INITS:
        runs[init] = []
        for seed in range(cfg.seeds):
            t = time.time()
            run = train(init, seed, data, fit, val, cfg, solver)
            runs[init].append(run)
            print(f"  {init:9s} seed {seed}: training loss {run.train[0]:.4f} -> "
                  f"{run.train[-1]:.4f}, best validation loss {run.val[run.best_epoch]:.4f} at "
                  f"epoch {run.best_epoch} ({time.time() - t:.1f} s)", flush=True)
    return runs, fit


def report(args, cfg, data, solver, runs, fit, varx, aics, results, rollouts):
    N, n, p = len(data.X), data.n_train, varx.model.k_ar
    text = "\n\n".join([
        f"## Rolling-origin forecasts, 1 to {cfg.horizon} quarters ahead "
        f"({N - cfg.horizon - n + 1} origins {data.labels[n - 1]}-"
        f"{data.labels[N - cfg.horizon - 1]}; RMSE, original units; "
        f"neural ODE: mean ± std over {cfg.seeds} seeds; VARX p = {p})",
        rmse_table(results["rolling"], data),
        f"## One rollout from {data.labels[n - 1]} over the whole test period "
        f"({N - n} quarters; RMSE)",
        rmse_table(results["rollout"], data),
        f"## Losses (masked MSE, standardized units): the training windows of "
        f"{data.labels[0]}-{data.labels[data.n_fit - 1]} and the validation forecasts from "
        f"{data.labels[data.n_fit - 1]}-{data.labels[n - 1 - cfg.horizon]}",
        loss_table(runs, cfg.epochs)])
    print("\n" + text + "\n")
    write_text(os.path.join(args.out, "tables.md"), text + "\n")
    plot_forecast(data, rollouts, os.path.join(args.out, "forecast.svg"))
    plot_losses(runs, os.path.join(args.out, "loss.svg"))
    summary = {
        "config": vars(cfg), "solver": solver[:2], "varx_aic": aics, "varx_order": p,
        "training_windows": int(fit.x0.shape[0]), "training_windows_skipped": fit.skipped,
        "curves": {init: {"train": [r.train.tolist() for r in runs[init]],
                          "val": [r.val.tolist() for r in runs[init]],
                          "best_epoch": [r.best_epoch for r in runs[init]]} for init in INITS},
        "rmse": {case: {k: np.asarray(v).tolist() for k, v in rows.items()}
                 for case, rows in results.items()},
        "init_max_abs_R": {init: [r.init_max_R for r in runs[init]] for init in INITS},
        "stability_init_eigenvalues": [r.init_report["eigenvalues"] for r in runs["stability"]]}
    write_text(os.path.join(args.out, "results.json"), json.dumps(summary, indent=1) + "\n")


def main(argv=None):
    args, cfg = parse_args(argv)
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        raise SystemExit(f"error: cannot create the output folder {args.out}: {e}")
    started = time.time()

    data = prepare(load_macrodata(), cfg)
    solver = solver_settings()
    print(f"macrodata: {len(data.X)} quarters {data.labels[0]}-{data.labels[-1]}; training "
          f"{data.labels[0]}-{data.labels[data.n_train - 1]} ({data.n_train}; the neural ODE "
          f"validates on its last {cfg.validation}), test {data.labels[data.n_train]}-"
          f"{data.labels[-1]} ({len(data.X) - data.n_train}); "
          f"{int(np.isnan(data.X_train_gapped).sum())} of {data.X_train_gapped.size} training "
          f"state values removed; solver {solver[0]}, h = {solver[1]}")
    runs, fit = train_all(data, cfg, solver)
    t = time.time()
    varx, aics = fit_varx(data, cfg.var_orders)
    print(f"VARX: AIC {', '.join(f'p={k}: {v:.1f}' for k, v in aics.items())}; "
          f"chose p = {varx.model.k_ar} ({time.time() - t:.1f} s)")
    odes = {init: [r.ode for r in runs[init]] for init in INITS}
    results, rollouts = evaluate(data, cfg, odes, solver, varx)
    report(args, cfg, data, solver, runs, fit, varx, aics, results, rollouts)
    print(f"wrote {args.out}/tables.md, forecast.svg, loss.svg, results.json "
          f"({time.time() - started:.0f} s)")
    if args.smoke:
        smoke_checks(runs, results)


if __name__ == "__main__":
    sys.exit(main())
