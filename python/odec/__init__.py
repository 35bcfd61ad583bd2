"""odec from Python: compile .node models and run their fused solvers from NumPy.

    import odec
    prog = odec.load("examples/spiral.node")      # or odec.compile_source(text)
    m = prog.model("Spiral")
    p = m.sample_params(seed=1)                     # {"W1": ndarray (16, 2), ...}
    traj = m.simulate(p, [1.0, 0.0], tableau="RK4", step=0.1, steps=100)   # (1, 101, 2)

docs/python.md documents every function, the shapes and dtypes, and threading. The PyTorch
bridge is odec.torch (imported on its own, only when torch is installed).
"""

import json
import os
import tempfile
import warnings

import numpy as np

from . import _core

__all__ = [
    "CompileError", "InitError", "Program", "Model", "load", "compile_source", "tableau",
    "save_params", "load_params",
]

#: A model error; str(e) is the CLI's diagnostic, ``file:line:col: error: ...`` with the
#: source line and a caret.
CompileError = _core.CompileError
#: Stability-informed initialization could not meet its constraint.
InitError = _core.InitError

_FLOATS = (np.float64, np.float32)


def load(path):
    """Parses and checks a .node file; raises CompileError for errors in it, and
    FileNotFoundError (an OSError) when it cannot be read."""
    path = os.fspath(path)
    with open(path, "rb"):  # the OSError Python code expects, before odec reads it
        pass
    return Program(_core.Program.from_file(path))


def compile_source(text, name="<string>"):
    """Parses and checks .node text; ``name`` is the file name diagnostics show."""
    return Program(_core.Program.from_string(text, name))


def tableau(name, source=None):
    """The analysis of a tableau as ``odec tableau --json`` prints it, as a dict: a built-in
    tableau, or one of the .node file ``source``."""
    return json.loads(_core.tableau_json(name, os.fspath(source) if source else ""))


class Program:
    """A checked .node program (odec::Program)."""

    def __init__(self, core):
        self._core = core

    @property
    def model_names(self):
        return list(self._core.model_names())

    @property
    def tableau_names(self):
        """The prelude's tableaux and the program's own."""
        return list(self._core.tableau_names())

    @property
    def warnings(self):
        """The checker's warnings, formatted ('' when none)."""
        return self._core.warnings()

    def model(self, name=""):
        """A model by name; '' picks the only one."""
        return Model(self._core.model(name))


def _dtype_of(name, a):
    """The float dtype of an input: ndarrays (and torch-like arrays) keep float32 or float64,
    anything else (lists, scalars) is float64."""
    dtype = getattr(a, "dtype", None)
    if dtype is None:
        return np.dtype(np.float64)
    dtype = np.dtype(dtype)
    if dtype not in _FLOATS:
        raise ValueError(f"{name} has dtype {dtype}; expected float64 or float32")
    return dtype


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


class Model:
    """A model of a program: its parameter and state layout and its solvers.

    Parameters are dicts ``{name: ndarray}`` with the params file's shapes (Real: shape (),
    Vector{n}: (n,), Matrix{m,n}: (m, n)); float64 or float32. Solvers are compiled on first
    use per (tableau, precision) and kept; every method may be called from several threads.
    """

    def __init__(self, core):
        self._core = core
        self._params = {name: tuple(shape) for name, shape, _ in core.params}
        self._shapes = list(self._params.values())
        self._sizes = [int(np.prod(s, dtype=np.int64)) for s in self._shapes]
        # Each parameter's slice of the flat vector, computed once: unflatten runs per call.
        ends = np.cumsum([0] + self._sizes).tolist()
        self._slices = [(name, shape, ends[i], ends[i + 1])
                        for i, (name, shape) in enumerate(self._params.items())]
        self._states = {name: tuple(shape) for name, shape, _ in core.states}

    @property
    def name(self):
        return self._core.name

    @property
    def params(self):
        """{name: shape} of every parameter, in declaration order."""
        return dict(self._params)

    @property
    def states(self):
        """{name: shape} of every state, in declaration order."""
        return dict(self._states)

    @property
    def state_dim(self):
        """D: the length of the flat state vector."""
        return self._core.state_dim

    @property
    def param_count(self):
        return self._core.param_count

    @property
    def state_columns(self):
        """Names of the flat state's components: x[1], x[2], ..."""
        return list(self._core.state_columns())

    # -- parameters ------------------------------------------------------------------------

    def flatten(self, params):
        """The flat float64 parameter vector of a params dict (checked: every parameter, its
        shape, nothing else)."""
        if not isinstance(params, dict):
            raise ValueError(f"parameters must be a dict of arrays, not {type(params).__name__}")
        unknown = [k for k in params if k not in self._params]
        if unknown:
            raise ValueError(f"model {self.name} has no parameter '{unknown[0]}'")
        parts = []
        for name, shape in self._params.items():
            if name not in params:
                raise ValueError(f"parameter '{name}' is missing")
            value = params[name]
            _dtype_of(f"parameter '{name}'", value)
            a = np.asarray(value, dtype=np.float64)
            if a.shape != shape:
                raise ValueError(f"parameter '{name}' has shape {_shape_text(a.shape)}, "
                                 f"expected {_shape_text(shape)}")
            parts.append(a.reshape(-1))
        return np.concatenate(parts) if parts else np.zeros(0)

    def unflatten(self, flat, dtype=np.float64):
        """The params dict of a flat vector (copies, in ``dtype``)."""
        flat = np.asarray(flat)
        if flat.shape != (self.param_count,):
            raise ValueError(f"the flat parameter vector has shape {_shape_text(flat.shape)}, "
                             f"expected ({self.param_count},)")
        return {name: flat[begin:end].reshape(shape).astype(dtype, copy=True)
                for name, shape, begin, end in self._slices}

    def sample_params(self, seed=0, dtype=np.float64):
        """One draw of every parameter from its prior; the same seed gives the same values
        as ``odec`` everywhere."""
        return self.unflatten(self._core.sample_params(int(seed)), dtype)

    def initialize(self, seed=0, dtype=np.float64, tableau=None, step=None):
        """Stability-informed initialization with the program's init block for this model:
        returns (params, report), the report a dict with the keys of ``odec init --json``.
        With ``tableau`` (and ``step``, default the block's), the block's constraint is
        re-targeted to the solver and step that will train, as ``odec train --init
        stability`` does: its region follows the new tableau when it followed the block's
        solver (report["solver"], report["step"] say what was used). Raises ValueError when
        there is no init block or it cannot be re-targeted (a ``stability(T)`` region other
        than its solver, for another tableau), InitError when the constraint cannot be met."""
        if tableau is None and step is None:
            flat, report = self._core.initialize(int(seed))
        else:
            block_tableau, block_step = self._core.init_solver_and_step()
            flat, report = self._core.initialize(
                int(seed), block_tableau if tableau is None else str(tableau),
                _core.check_step(block_step if step is None else step))
        return self.unflatten(flat, dtype), json.loads(report)

    @property
    def has_init(self):
        """The program has an init block for this model."""
        return self._core.has_init()

    def is_implicit(self, tableau):
        """The tableau is implicit (solved by Newton's method, float64 only)."""
        return self._core.is_implicit(tableau)

    # -- solves ----------------------------------------------------------------------------

    def _x0(self, x0):
        """x0 as a (B, D) float64 array, whether it came as (D,) (then single=True)."""
        D = self.state_dim
        a = np.asarray(x0, dtype=np.float64)
        if a.shape == (D,):
            return a.reshape(1, D), True
        if a.ndim == 2 and a.shape[1] == D and a.shape[0] >= 1:
            return np.ascontiguousarray(a), False
        raise ValueError(f"x0 has shape {_shape_text(a.shape)}, expected ({D},) or (B, {D})")

    def _precision(self, tableau, dtype, precision):
        """The solver arithmetic: float32 for float32 inputs."""
        if precision is None:
            precision = "float32" if dtype == np.float32 else "float64"
        return precision  # an implicit tableau runs float64 whatever this says

    @staticmethod
    def _steps(steps):
        if isinstance(steps, bool) or int(steps) != steps or steps < 0:
            raise ValueError(f"steps must be a non-negative integer, not {steps!r}")
        return int(steps)

    def _result_dtype(self, params, x0):
        dtypes = [_dtype_of("x0", x0)]
        dtypes += [_dtype_of(f"parameter '{k}'", v) for k, v in params.items()]
        return np.dtype(np.float32) if all(d == np.float32 for d in dtypes) else np.dtype(np.float64)

    @staticmethod
    def _drive(t0, inputs):
        """A driven model's start times and input samples for the core: t0 None, a number or
        one per trajectory; inputs None, one (times, values) pair for every trajectory or a
        list of one per trajectory (values (n, input columns), or (n,) for one column)."""
        t = np.ascontiguousarray(np.atleast_1d(np.asarray([] if t0 is None else t0,
                                                          dtype=np.float64)))
        if t.ndim != 1:
            raise ValueError(f"t0 has shape {_shape_text(t.shape)}, expected a number or (B,)")
        if inputs is None:
            pairs = []
        elif isinstance(inputs, tuple):
            pairs = [inputs]
        else:
            pairs = list(inputs)
        out = []
        for k, pair in enumerate(pairs):
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise ValueError(f"inputs[{k}] must be a (times, values) pair")
            times = np.ascontiguousarray(np.asarray(pair[0], dtype=np.float64))
            values = np.ascontiguousarray(np.asarray(pair[1], dtype=np.float64))
            if times.ndim != 1 or values.ndim not in (1, 2) or values.shape[0] != times.shape[0]:
                raise ValueError(f"inputs[{k}]: times {_shape_text(times.shape)} and values "
                                 f"{_shape_text(values.shape)}; expected (n,) and (n, m)")
            out.append((times, values.reshape(-1)))
        return t, out

    def simulate(self, params, x0, tableau="RK4", step=0.1, steps=100, precision=None,
                 t0=None, inputs=None):
        """Runs ``steps`` steps of size ``step`` from x0 ((D,) or (B, D)) with a tableau of
        the program; returns the trajectories, an ndarray (B, steps+1, D) with [:, 0] = x0.
        float32 inputs (x0 and every parameter) give float32 results computed by odec's float
        code (explicit tableaux); ``precision`` ('float64' or 'float32') overrides that.
        A driven model (one that reads ``t`` or declares inputs) starts at ``t0`` (a number or
        one per trajectory; default 0) and reads ``inputs``: one ``(times, values)`` pair for
        every trajectory or a list of one per trajectory, values (n, m) in the model's input
        columns. Warns (RuntimeWarning) when the trajectory holds non-finite values."""
        flat = self.flatten(params)
        dtype = self._result_dtype(params, x0)
        x, _ = self._x0(x0)
        steps, step = self._steps(steps), float(step)
        t, u = self._drive(t0, inputs)
        traj = self._core.simulate(flat, x, steps, step, tableau,
                                   self._precision(tableau, dtype, precision), t, u)
        _warn_non_finite(traj, "simulate")
        return traj.astype(dtype, copy=False)

    def vjp(self, params, x0, cotangent, tableau="RK4", step=0.1, precision=None, t0=None,
            inputs=None):
        """The vector–Jacobian product of a solve: for a cotangent of every returned state
        (the trajectory's shape, (B, steps+1, D); steps is its second extent), the gradients
        of sum(cotangent * simulate(params, x0, ...)) by odec's discrete adjoint (exact to
        rounding; t0 and inputs as in simulate, held fixed). Returns (grad_params dict,
        grad_x0 shaped like x0)."""
        flat = self.flatten(params)
        dtype = self._result_dtype(params, x0)
        _dtype_of("the cotangent", cotangent)
        x, single = self._x0(x0)
        B, D = x.shape
        c = np.asarray(cotangent, dtype=np.float64)
        if c.ndim != 3 or c.shape[0] != B or c.shape[2] != D or c.shape[1] < 1:
            raise ValueError(f"the cotangent has shape {_shape_text(c.shape)}, "
                             f"expected ({B}, steps+1, {D})")
        t, u = self._drive(t0, inputs)
        gp, gx = self._core.vjp(flat, x, np.ascontiguousarray(c), c.shape[1] - 1,
                                   float(step), tableau,
                                   self._precision(tableau, dtype, precision), t0=t, inputs=u)
        return self.unflatten(gp, dtype), (gx[0] if single else gx).astype(dtype, copy=False)

    @property
    def observed_columns(self):
        """What data observe: the ``output`` lines' columns, else the state's."""
        return list(self._core.observed_columns())

    def _observations(self, x0, times, values):
        """x0 as (B, D); times and values as the core takes them: one flat float64 array per
        trajectory. times: one 1-D sequence for every trajectory, or one per trajectory;
        values: per trajectory (K_b, O) (one 2-D array when there is one trajectory)."""
        x, _ = self._x0(x0)
        B = x.shape[0]
        shared = all(np.ndim(t) == 0 for t in times)
        ts = [times] * B if shared else list(times)
        if len(ts) != B:
            raise ValueError(f"times holds {len(ts)} trajectories' times; x0 holds {B}")
        ts = [np.ascontiguousarray(np.asarray(t, dtype=np.float64)) for t in ts]
        for b, t in enumerate(ts):
            if t.ndim != 1:
                raise ValueError(f"times[{b}] has shape {_shape_text(t.shape)}, expected (K,)")
        if values is None:
            return x, ts, []
        vs = [values] if isinstance(values, np.ndarray) and values.ndim == 2 else list(values)
        if len(vs) != B:
            raise ValueError(f"values holds {len(vs)} trajectories' values; x0 holds {B}")
        O = len(self.observed_columns)
        out = []
        for b, v in enumerate(vs):
            v = np.asarray(v, dtype=np.float64)
            if v.shape != (ts[b].shape[0], O):
                raise ValueError(f"values[{b}] has shape {_shape_text(v.shape)}, expected "
                                 f"({ts[b].shape[0]}, {O})")
            out.append(np.ascontiguousarray(v.reshape(-1)))
        return x, ts, out

    def predict(self, params, x0, times, tableau="RK4", step=0.1, t0=None, inputs=None):
        """The state and the observed quantities (``observed_columns``) at observation times
        off the solver's grid: each step that would cross a time is shortened to end on it.
        times: one 1-D array for every trajectory or a list of one per trajectory (strictly
        increasing, after t0). Returns (states, observed): lists of (K_b, D) and (K_b, O)
        arrays. float64."""
        x, ts, _ = self._observations(x0, times, None)
        t, u = self._drive(t0, inputs)
        states, observed, *_ = self._core.observed(self.flatten(params), x, float(step), tableau,
                                                   ts, [], t, u)
        return list(states), list(observed)

    def solve_adaptive(self, params, x0, times, tableau="DormandPrince5", rtol=1e-6, atol=1e-9,
                       max_steps=100000, first_step=None, pi_beta=0.04, step_to_times=False,
                       inputs=None):
        """Adaptive steps with an embedded pair (DormandPrince5, Tsit5, CashKarp45, Fehlberg45,
        BogackiShampine3, or a tableau with bhat): the states at ``times`` (1-D, strictly
        increasing; times[0] is the start, where the state is x0), each trajectory with its own
        step size (Hairer's PI controller with gain ``pi_beta``; 0: an I controller). Steps end
        on the last time; the others are interpolated by the pair's dense output (its own, or
        cubic Hermite), or with ``step_to_times`` the step that would cross one is shortened to
        end on it. x0: (D,) or (B, D). Returns (states (B, K, D), info) with info a dict of
        per-trajectory ``accepted`` and ``rejected`` steps and the total ``nfe``. Raises
        RuntimeError naming the trajectory when it needs more than max_steps steps or its step
        underflows. A driven model starts at times[0] and reads ``inputs`` (as predict's: one
        (times, values) pair, or one per trajectory) at its stage times. float64."""
        x, _ = self._x0(x0)
        t = np.ascontiguousarray(np.asarray(times, dtype=np.float64))
        if t.ndim != 1:
            raise ValueError(f"times has shape {_shape_text(t.shape)}, expected (K,)")
        first = 0.0 if first_step is None else float(first_step)
        if first_step is not None and not first > 0:
            raise ValueError(f"first_step must be positive, got {first_step!r}")
        _, u = self._drive(None, inputs)
        states, accepted, rejected, nfe = self._core.adaptive(
            self.flatten(params), x, t, tableau, float(rtol), float(atol), int(max_steps), first,
            float(pi_beta), bool(step_to_times), u)
        return states, {"accepted": list(accepted), "rejected": list(rejected), "nfe": nfe}

    def adaptive_loss(self, params, x0, times, values, tableau="DormandPrince5", rtol=1e-6,
                      atol=1e-9, max_steps=100000, first_step=None, pi_beta=0.04, inputs=None,
                      adjoint="discrete", step_to_times=False):
        """The mean squared error of the observed quantities (``observed_columns``) at
        times[1:] of an adaptive solve against ``values`` ((B, K-1, O); NaN marks a missing
        value), and its exact gradient through the accepted steps with their sizes held fixed.
        The values compared are what ``solve_adaptive`` returns with the same arguments: the
        dense output between step ends (differentiated through the stages it weighs), or with
        ``step_to_times`` the ends of steps shortened to the times (a driven model with a
        held input steps to the times when its pair's dense output weighs f(x_{n+1}):
        DormandPrince5, Tsit5 and the Hermite output of the others). ``adjoint="continuous"``:
        instead the adjoint ODE integrated
        backward with the same pair and tolerances (torchdiffeq's odeint_adjoint; autonomous
        models observed in their states), approaching the discrete gradient as rtol shrinks.
        Returns (loss, grads, grad_x0, info): grads a dict shaped like the params, grad_x0
        (B, D), info as solve_adaptive's plus ``count`` (the values used)."""
        x, _ = self._x0(x0)
        t = np.ascontiguousarray(np.asarray(times, dtype=np.float64))
        if t.ndim != 1:
            raise ValueError(f"times has shape {_shape_text(t.shape)}, expected (K,)")
        O = len(self.observed_columns)
        v = np.asarray(values, dtype=np.float64)
        want = (x.shape[0], t.shape[0] - 1, O)
        if v.shape != want:
            raise ValueError(f"values has shape {_shape_text(v.shape)}, expected "
                             f"{_shape_text(want)}")
        first = 0.0 if first_step is None else float(first_step)
        if first_step is not None and not first > 0:
            raise ValueError(f"first_step must be positive, got {first_step!r}")
        loss, count, gp, gx, accepted, rejected, nfe = self._core.adaptive_loss(
            self.flatten(params), x, t, np.ascontiguousarray(v.reshape(-1)), tableau,
            float(rtol), float(atol), int(max_steps), first, float(pi_beta),
            self._drive(None, inputs)[1], str(adjoint), bool(step_to_times))
        info = {"accepted": list(accepted), "rejected": list(rejected), "nfe": nfe,
                "count": count}
        return loss, self.unflatten(gp), np.asarray(gx).reshape(x.shape), info

    def observed_loss(self, params, x0, times, values, tableau="RK4", step=0.1, t0=None,
                      inputs=None):
        """The mean squared error of the observed quantities at the observation times against
        ``values`` (per trajectory (K_b, O); NaN marks a missing value, left out of the loss and
        of the count) and its exact gradient through the shortened steps. Returns (loss,
        grad_params dict, grad_x0 shaped like x0). float64."""
        x, ts, vs = self._observations(x0, times, values)
        t, u = self._drive(t0, inputs)
        _, _, loss, _, gp, gx = self._core.observed(self.flatten(params), x, float(step),
                                                    tableau, ts, vs, t, u)
        single = np.ndim(x0) == 1
        return float(loss), self.unflatten(gp, np.dtype(np.float64)), \
            (gx.reshape(x.shape)[0] if single else gx.reshape(x.shape))

    def loss_grad(self, params, x0, targets, target_steps=None, tableau="RK4", step=0.1,
                  steps=None, adjoint="discrete"):
        """The mean squared error against targets at chosen steps and its exact gradient (the
        CLI's ``grad``): L = mean over targets, trajectories and components of
        (x_{b, s_t} - y_{b, t})². targets: (B, T, D), or (T, D) when x0 is (D,);
        target_steps: T step indices in 0..steps (default: every step, T = steps+1);
        adjoint: 'discrete' (exact gradient of the solve) or 'continuous'.
        Returns (loss, grad_params dict, grad_x0 shaped like x0). float64."""
        flat = self.flatten(params)
        x, single = self._x0(x0)
        B, D = x.shape
        _dtype_of("targets", targets)
        y = np.asarray(targets, dtype=np.float64)
        if single and y.ndim == 2:
            y = y.reshape(1, *y.shape)
        if target_steps is None:
            if y.ndim != 3:
                raise ValueError(f"targets has shape {_shape_text(y.shape)}, "
                                 f"expected (B, T, {D})")
            target_steps = np.arange(y.shape[1])
            if steps is None:
                steps = y.shape[1] - 1
        s = np.asarray(target_steps)
        if s.ndim != 1 or (s.size and not np.issubdtype(s.dtype, np.integer)):
            raise ValueError("target_steps must be a 1-D sequence of integers")
        s = s.astype(np.int64)
        T = s.size
        if y.shape != (B, T, D):
            raise ValueError(f"targets has shape {_shape_text(y.shape)}, expected "
                             f"{_shape_text((T, D) if single else (B, T, D))}")
        if steps is None:
            steps = int(s.max()) if T else 0
        steps = self._steps(steps)
        if T and (s.min() < 0 or s.max() > steps):
            raise ValueError(f"target steps must lie in 0..{steps}")
        order = np.argsort(s, kind="stable")  # sorted, as the CLI sorts its target rows
        loss, gp, gx = self._core.loss_grad(flat, x, s[order], np.ascontiguousarray(y[:, order]),
                                            steps, float(step), tableau, adjoint)
        if not np.isfinite(loss):
            warnings.warn(f"loss_grad: the loss is not finite ({loss}); reduce the step",
                          RuntimeWarning, stacklevel=2)
        gx = gx.reshape(B, D)
        return loss, self.unflatten(gp), gx[0] if single else gx

    def compile(self, tableau="RK4", precision="float64", vjp=False):
        """Compiles the solver (and with vjp=True the VJP) now rather than on first use."""
        self._core.compile(tableau, precision, vjp)


def _warn_non_finite(traj, what):
    first = _core.first_non_finite(traj)
    if first >= 0:
        b, n, _ = np.unravel_index(first, traj.shape)
        warnings.warn(f"{what}: the trajectory holds non-finite values (first in trajectory "
                      f"{b} at step {n}); reduce the step", RuntimeWarning, stacklevel=3)


# -- params files ---------------------------------------------------------------------------

def save_params(path, params, model=None):
    """Writes a params dict as odec's params JSON ({"W1": [[...], ...], "k": 1.5}),
    atomically (a temporary file renamed over ``path``). With a model, every parameter must be
    present with its exact shape (the model's layout orders the file)."""
    if model is not None:
        text = model._core.params_to_json(model.flatten(params))
    else:
        doc = {}
        for name, value in params.items():
            a = np.asarray(value, dtype=np.float64)
            if not np.all(np.isfinite(a)):
                raise ValueError(f"parameter '{name}' holds non-finite values")
            doc[name] = a.tolist()
        text = json.dumps(doc, indent=2) + "\n"
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".odec-params-", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_params(path, model=None, dtype=np.float64):
    """Reads odec's params JSON into a dict of arrays. With a model, the file is checked as
    the CLI checks it (every parameter, its exact shape, finite values; ValueError naming the
    file and the problem otherwise). A missing file raises FileNotFoundError."""
    path = os.fspath(path)
    with open(path):  # a missing or unreadable file: the OSError Python code expects
        pass
    if model is not None:
        try:
            flat = model._core.load_params(path)
        except RuntimeError as e:  # the file's content: its position and problem
            raise ValueError(str(e)) from None
        return model.unflatten(flat, dtype)
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: a params file holds one JSON object")
    return {k: np.asarray(v, dtype=dtype) for k, v in doc.items()}
