"""odec's fused solver inside PyTorch programs (needs torch; ``import odec.torch``).

    import torch, odec.torch
    ode = odec.torch.NeuralODE("examples/spiral.node", model="Spiral", tableau="RK4", step=0.1)
    traj = ode(x0, steps=20)                  # (B, 21, D), differentiable
    loss = ((traj - target) ** 2).mean()
    loss.backward()                           # odec's discrete adjoint (Model.vjp)

The forward pass is the fused JIT-compiled solve, the backward pass the vector–Jacobian
product of that solve by the discrete adjoint: the exact gradient of the computed
trajectories (what autograd through the same Runge–Kutta loop gives, to rounding). Both run in
a C++ torch autograd Function (the extension odec._torch), without Python between the call
and the compiled code; the GIL is released while odec runs, and the backward pass never takes
it. CPU tensors only; float64 runs odec's double code, float32 its float code (explicit
tableaux). docs/python.md has the details, including DistributedDataParallel.
"""

import os

import torch

import odec

try:
    from odec import _torch
except ImportError as e:  # built without PyTorch's C++ headers, or for another torch
    raise ImportError(f"odec.torch needs the extension odec._torch, which this build of odec "
                      f"lacks or cannot load ({e}); install PyTorch's C++ headers (Debian: "
                      f"libtorch-dev, scripts/install-deps.sh) and rebuild odec") from e

__all__ = ["Solve", "solve", "NeuralODE"]


def _solver(model, tableau, dtype, drive):
    """odec._core's solver for odec._torch: compiled once per (tableau, dtype) and kept on the
    model; a driven model's drive (t0, inputs) makes one per call."""
    if dtype not in (torch.float64, torch.float32):
        raise ValueError(f"x0 has dtype {dtype}; expected torch.float64 or torch.float32")
    precision = "float64" if dtype == torch.float64 else "float32"
    if drive:
        return model._core.torch_solver(tableau, precision, *drive)
    solvers = model.__dict__.setdefault("_torch_solvers", {})
    solver = solvers.get((tableau, precision))
    if solver is None:
        solver = solvers[tableau, precision] = model._core.torch_solver(tableau, precision)
    return solver


class Solve:
    """The autograd Function (C++, odec._torch): ``Solve.apply(model, tableau, step, steps,
    drive, x0, *params)`` is the fused solve of an odec.Model from x0 (B, D); params are the
    parameters as tensors in the model's declaration order (model.params' shapes), or one flat
    tensor (model.param_count,) in that order (Model.flatten's layout); returns (B, steps+1, D)
    in x0's dtype. drive: () or the (t0, inputs) pair odec.Model._drive makes, held fixed.
    The forward pass keeps the VJP's tape when autograd will run backward (and the solve fits
    it); the backward pass is Model.vjp's reverse sweep on the trajectory and the tape, and
    refuses to run after an in-place change of x0, a parameter or a float64 result. solve()
    checks the arguments with their names; this checks what keeps the compiled code within
    its buffers (ValueError)."""

    @staticmethod
    def apply(model, tableau, step, steps, drive, x0, *params):
        if not isinstance(x0, torch.Tensor):
            raise ValueError(f"x0 is a {type(x0).__name__}, not a tensor")
        return _torch.solve(_solver(model, tableau, x0.dtype, drive), step, steps, x0,
                            list(params))


def solve(model, params, x0, steps, tableau="RK4", step=0.1, t0=None, inputs=None):
    """Differentiable fused solve: params is a dict {name: tensor} with model.params' names and
    shapes, a sequence of tensors in declaration order, or one flat tensor (model.param_count,)
    in that order (Model.flatten's layout; NeuralODE(flat=True) holds one); x0 is (D,) or
    (B, D). Returns (B, steps+1, D) in x0's dtype (a (D,) x0 gives B = 1). Shapes and dtypes
    are checked (ValueError).
    A driven model (one that reads ``t`` or declares inputs) starts at ``t0`` (a number or one
    per trajectory; default 0) and reads ``inputs`` as odec.Model.simulate does: one
    ``(times, values)`` pair for every trajectory or a list of one per trajectory (arrays or
    CPU tensors, values (n, input columns)). Inputs are data: no gradient flows to them."""
    D = model.state_dim
    if not isinstance(x0, torch.Tensor):
        x0 = torch.as_tensor(x0, dtype=torch.float64)
    if x0.dtype not in (torch.float64, torch.float32):
        raise ValueError(f"x0 has dtype {x0.dtype}; expected torch.float64 or torch.float32")
    if x0.shape == (D,):
        x0 = x0.reshape(1, D)
    elif x0.dim() != 2 or x0.shape[1] != D or x0.shape[0] < 1:
        raise ValueError(f"x0 has shape {tuple(x0.shape)}, expected ({D},) or (B, {D})")
    if isinstance(params, torch.Tensor):
        P = model.param_count
        if params.shape != (P,):
            raise ValueError(f"the flat parameter tensor has shape {tuple(params.shape)}, "
                             f"expected ({P},)")
        params, named = [params], [("the flat parameter tensor", params)]
    else:
        if isinstance(params, dict):
            unknown = [k for k in params if k not in model.params]
            if unknown:
                raise ValueError(f"model {model.name} has no parameter '{unknown[0]}'")
            missing = [k for k in model.params if k not in params]
            if missing:
                raise ValueError(f"parameter '{missing[0]}' is missing")
            params = [params[k] for k in model.params]
        params = list(params)
        if len(params) != len(model.params):
            raise ValueError(f"model {model.name} has {len(model.params)} parameters, "
                             f"{len(params)} were given")
        named = []
        for name, shape, p in zip(model.params, model._shapes, params):
            if not isinstance(p, torch.Tensor):
                raise ValueError(f"parameter '{name}' is a {type(p).__name__}, not a tensor")
            if p.shape != shape:
                raise ValueError(f"parameter '{name}' has shape {tuple(p.shape)}, "
                                 f"expected {shape}")
            named.append((f"parameter '{name}'", p))
    if not x0.is_cpu:
        raise ValueError(f"x0 is on {x0.device}; odec runs on the CPU (move it with .cpu())")
    for what, p in named:
        if p.dtype != x0.dtype:
            raise ValueError(f"{what} has dtype {p.dtype}, x0 {x0.dtype}; use one dtype")
        if not p.is_cpu:
            raise ValueError(f"{what} is on {p.device}; odec runs on the CPU")
    steps = odec.Model._steps(steps)
    drive = () if t0 is None and inputs is None else odec.Model._drive(t0, _numpy(inputs))
    return _torch.solve(_solver(model, tableau, x0.dtype, drive), odec._core.check_step(step),
                        steps, x0, params)


def _numpy(inputs):
    """Input samples given as tensors, as arrays (the values are data, never differentiated)."""
    def array(a):
        return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else a
    if inputs is None:
        return None
    if isinstance(inputs, tuple):
        return tuple(array(a) for a in inputs)
    return [tuple(array(a) for a in pair) if isinstance(pair, tuple) else pair
            for pair in inputs]


class NeuralODE(torch.nn.Module):
    """An ODE block whose parameters are the model's, as nn.Parameters in ``self.params``
    (an nn.ParameterDict keyed by the .node names; state_dict keys ``params.<name>``), or,
    with ``flat=True``, as one nn.Parameter ``self.flat`` (model.param_count,) in declaration
    order (Model.flatten's layout; state_dict key ``flat``): one tensor for the optimizer to
    update and zero instead of one per parameter, which halves the per-step cost of a small
    model's training loop (docs/python.md). ``param_views()`` names its parts.

    source: a .node file's path, or an odec.Program. model: the model's name ('' = the only
    one). tableau, step: the solver. init: 'stability' (the program's init block re-targeted
    to this module's tableau and step, Model.initialize(seed, tableau=, step=), as `odec train
    --init stability` does), 'prior' (Model.sample_params), a params dict, or None: the init
    block when the program has one for the model, the priors otherwise. seed: the draw's seed.
    dtype: torch.float64 (default) or torch.float32. ``self.init_report`` holds the
    stability init's report (None otherwise).

    forward(x0, steps, t0=None, inputs=None): x0 (B, D) or (D,) -> (B, steps+1, D),
    differentiable in x0 and the parameters; t0 and inputs for a driven model, as in solve().
    """

    def __init__(self, source, model="", tableau="RK4", step=0.1, init=None, seed=0,
                 dtype=torch.float64, flat=False):
        super().__init__()
        program = source if isinstance(source, odec.Program) else odec.load(os.fspath(source))
        self.model = program.model(model)
        self.tableau, self.step = tableau, odec._core.check_step(step)
        if dtype not in (torch.float64, torch.float32):
            raise ValueError(f"dtype must be torch.float64 or torch.float32, not {dtype}")
        self.init_report = None
        if init is None:
            init = "stability" if self.model.has_init else "prior"
        if isinstance(init, dict):
            values = self.model.unflatten(self.model.flatten(init))
        elif init == "stability":
            values, self.init_report = self.model.initialize(seed, tableau=tableau,
                                                             step=self.step)
        elif init == "prior":
            values = self.model.sample_params(seed)
        else:
            raise ValueError(f"init must be 'stability', 'prior', a params dict or None, "
                             f"not {init!r}")
        if flat:
            self.flat = torch.nn.Parameter(torch.as_tensor(self.model.flatten(values),
                                                           dtype=dtype))
            return
        # Pairs, not a dict: ParameterDict sorts a plain dict's keys; this keeps the model's
        # declaration order (and with it the order of parameters() and state_dict()).
        self.params = torch.nn.ParameterDict(
            [(k, torch.nn.Parameter(torch.as_tensor(v, dtype=dtype))) for k, v in values.items()])

    @property
    def is_flat(self):
        return "flat" in self._parameters

    def forward(self, x0, steps, t0=None, inputs=None):
        flat = self._parameters.get("flat")
        if flat is not None:
            if type(x0) is torch.Tensor and t0 is None and inputs is None:
                # A training loop's call, straight to odec._torch (every Python operation here
                # costs about twice its isolated time in a training step). It checks what the
                # compiled code needs; what it refuses goes to solve(), which refuses it with
                # the parameters' names, or accepts it (an x0 of shape (D,)).
                try:
                    return _torch.solve(_solver(self.model, self.tableau, x0.dtype, ()),
                                        self.step, steps, x0, [flat])
                except (ValueError, TypeError):
                    pass
            return solve(self.model, flat, x0, steps, self.tableau, self.step, t0, inputs)
        return solve(self.model, [self.params[k] for k in self.model.params], x0, steps,
                     self.tableau, self.step, t0, inputs)

    def param_views(self):
        """{name: tensor} of the parameters with the model's shapes: self.params' entries, or
        views of self.flat (differentiable; their gradient is self.flat.grad's part)."""
        if not self.is_flat:
            return dict(self.params.items())
        out, at = {}, 0
        for name, shape, size in zip(self.model.params, self.model._shapes, self.model._sizes):
            out[name] = self.flat[at:at + size].view(shape)
            at += size
        return out

    def params_numpy(self):
        """The current parameters as a dict of float64 arrays (for odec.save_params)."""
        return {k: p.detach().cpu().double().numpy().copy()
                for k, p in self.param_views().items()}

    def extra_repr(self):
        flat = ", flat=True" if self.is_flat else ""
        return f"model={self.model.name}, tableau={self.tableau}, step={self.step}{flat}"
