"""odec.torch: gradients through the fused solve equal torch autograd through a plain-PyTorch
Runge–Kutta loop of the same tableau."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import odec  # noqa: E402
import odec.torch  # noqa: E402
from conftest import SOURCE_DIR, rk_loop  # noqa: E402

SPIRAL = SOURCE_DIR / "examples" / "spiral.node"


def torch_field(p):
    return lambda x: torch.tanh(x @ p["W1"].T + p["b1"]) @ p["W2"].T + p["b2"]


def rel(a, b):
    return (a - b).abs().max().item() / max(b.abs().max().item(), 1e-300)


def reference_grads(params, x0, steps, h, tableau, weight):
    """Loss Σ weight · traj through a plain PyTorch loop; its autograd gradients."""
    p = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    x = x0.detach().clone().requires_grad_(True)
    traj = rk_loop(torch_field(p), x, steps, h, tableau, lambda xs: torch.stack(xs, dim=1))
    (traj * weight).sum().backward()
    return traj.detach(), {k: v.grad for k, v in p.items()}, x.grad


@pytest.mark.parametrize("tableau", ["RK4", "RK38", "Heun"])
def test_gradients_equal_autograd_through_a_torch_loop(tableau):
    torch.manual_seed(0)
    ode = odec.torch.NeuralODE(SPIRAL, model="Spiral", tableau=tableau, step=0.1, init="prior",
                               seed=3)
    x0 = torch.rand(11, 2, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(11, 26, 2, dtype=torch.float64)
    traj = ode(x0, 25)
    assert traj.shape == (11, 26, 2) and traj.dtype == torch.float64
    ref_traj, ref_p, ref_x = reference_grads(dict(ode.params), x0, 25, 0.1, tableau, weight)
    assert rel(traj.detach(), ref_traj) < 1e-13
    (traj * weight).sum().backward()
    for k, p in ode.params.items():
        assert rel(p.grad, ref_p[k]) < 1e-10, k
    assert rel(x0.grad, ref_x) < 1e-10


def test_a_loss_of_part_of_the_trajectory_and_of_a_network_around_it():
    # An encoder before the ODE block and a loss on chosen steps after it: the chain rule runs
    # through odec's backward like through any other op.
    torch.manual_seed(1)
    ode = odec.torch.NeuralODE(SPIRAL, tableau="RK4", step=0.05, init="prior", seed=2)
    enc = torch.nn.Linear(3, 2).double()
    inputs = torch.randn(6, 3, dtype=torch.float64)
    loss = ode(enc(inputs), 30)[:, ::10].pow(2).mean()
    loss.backward()
    p = {k: v.detach().clone().requires_grad_(True) for k, v in ode.params.items()}
    enc2 = torch.nn.Linear(3, 2).double()
    enc2.load_state_dict(enc.state_dict())
    traj = rk_loop(torch_field(p), enc2(inputs), 30, 0.05, "RK4", lambda xs: torch.stack(xs, 1))
    traj[:, ::10].pow(2).mean().backward()
    for k in p:
        assert rel(ode.params[k].grad, p[k].grad) < 1e-10
    assert rel(enc.weight.grad, enc2.weight.grad) < 1e-10


# RK4: the fused solver and adjoint; GaussLegendre2: Newton's method forward, the
# implicit-function-theorem adjoint backward.
@pytest.mark.parametrize("tableau,seed,steps", [("RK4", 5, 6), ("GaussLegendre2", 6, 4)])
def test_gradcheck_of_the_function(tableau, seed, steps):
    m = odec.load(SPIRAL).model()
    params = {k: torch.tensor(v, requires_grad=True) for k, v in m.sample_params(seed).items()}
    x0 = torch.rand(2, 2, dtype=torch.float64, requires_grad=True)
    f = lambda x, *ps: odec.torch.solve(m, list(ps), x, steps, tableau, 0.1)
    assert torch.autograd.gradcheck(f, (x0, *params.values()), eps=1e-6, atol=1e-7)


def test_float32_is_close_to_float64():
    d = odec.torch.NeuralODE(SPIRAL, init="prior", seed=4)
    f = odec.torch.NeuralODE(SPIRAL, init="prior", seed=4, dtype=torch.float32)
    assert f.params["W1"].dtype == torch.float32
    x0 = torch.rand(20, 2, dtype=torch.float64)
    td, tf = d(x0, 10), f(x0.float(), 10)
    assert tf.dtype == torch.float32 and rel(tf.double(), td.detach()) < 1e-5
    td.pow(2).sum().backward()
    tf.pow(2).sum().backward()
    for k in d.params:
        assert f.params[k].grad.dtype == torch.float32
        assert rel(f.params[k].grad.double(), d.params[k].grad) < 1e-4


def test_initialization_from_the_init_block_or_the_priors():
    m = odec.load(SPIRAL).model()
    stable = odec.torch.NeuralODE(SPIRAL, seed=9)  # the program has an init block
    p, report = m.initialize(9)
    assert stable.init_report == report
    for k in p:
        assert torch.equal(stable.params[k].detach(), torch.from_numpy(p[k]))
    prior = odec.torch.NeuralODE(SPIRAL, init="prior", seed=9)
    q = m.sample_params(9)
    assert prior.init_report is None
    for k in q:
        assert torch.equal(prior.params[k].detach(), torch.from_numpy(q[k]))
    assert [n for n, _ in stable.named_parameters()] == ["params.W1", "params.b1", "params.W2",
                                                          "params.b2"]
    with pytest.raises(ValueError, match="init must be"):
        odec.torch.NeuralODE(SPIRAL, init="glorot")


def test_the_stability_init_is_for_the_modules_own_solver_and_step():
    ode = odec.torch.NeuralODE(SPIRAL, tableau="Euler", step=0.5, init="stability", seed=2)
    assert (ode.init_report["solver"], ode.init_report["step"]) == ("Euler", 0.5)
    assert ode.init_report["max_abs_R"] <= 0.9


def test_training_reduces_the_loss():
    torch.manual_seed(0)
    teacher = odec.torch.NeuralODE(SPIRAL, init="prior", seed=1)
    student = odec.torch.NeuralODE(SPIRAL, init="prior", seed=2)
    x0 = torch.rand(16, 2, dtype=torch.float64) * 2 - 1
    with torch.no_grad():
        target = teacher(x0, 10)
    opt = torch.optim.Adam(student.parameters(), lr=1e-2)
    losses = []
    for _ in range(100):
        opt.zero_grad()
        loss = (student(x0, 10) - target).pow(2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]


def test_the_backward_pass_refuses_a_trajectory_changed_in_place():
    ode = odec.torch.NeuralODE(SPIRAL, init="prior")
    traj = ode(torch.rand(3, 2, dtype=torch.float64), 4)
    traj.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        traj.sum().backward()


def test_bad_inputs_raise_value_errors():
    ode = odec.torch.NeuralODE(SPIRAL, init="prior")
    with pytest.raises(ValueError, match=r"x0 has shape \(3, 3\), expected \(2,\) or \(B, 2\)"):
        ode(torch.zeros(3, 3, dtype=torch.float64), 5)
    with pytest.raises(ValueError, match="parameter 'W1' has dtype torch.float64, x0 torch.float32"):
        ode(torch.zeros(3, 2), 5)
    with pytest.raises(ValueError, match="x0 has dtype torch.int64"):
        ode(torch.zeros(3, 2, dtype=torch.int64), 5)
    assert ode(torch.zeros(2, dtype=torch.float64), 4).shape == (1, 5, 2)


DRIVEN_NET = """
model Driven
    state x::Vector{2}
    input u::Real ~ Linear()
    param W::Matrix{2,2} ~ Normal(0, 0.5)
    param U::Vector{2} ~ Normal(0, 1)
    param b::Vector{2} ~ Normal(0, 0.1)
    ddt(x) = tanh.(W * x .+ U .* u .+ b) .+ 0.1 .* sin(t)
end
"""


def test_a_driven_model_reads_each_trajectorys_inputs_and_its_gradients_equal_autograd():
    """ẋ = tanh(Wx + Uu + b) + 0.1 sin t with a different linearly interpolated input per
    trajectory and a different t0: odec.torch against autograd through an RK4 loop that reads
    u and t at the stage times t_n + c_i h."""
    torch.manual_seed(1)
    ode = odec.torch.NeuralODE(odec.compile_source(DRIVEN_NET, "driven.node"), init="prior",
                               seed=5)
    B, steps, h = 3, 30, 0.1
    t0 = np.array([0.0, 0.25, -0.4])
    times = [np.linspace(t0[b] - 0.05, t0[b] + 3.2, 17) for b in range(B)]
    values = [np.sin((b + 1) * ts) + 0.3 * ts for b, ts in enumerate(times)]
    inputs = [(torch.as_tensor(ts), torch.as_tensor(v).reshape(-1, 1))
              for ts, v in zip(times, values)]
    x0 = torch.randn(B, 2, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(B, steps + 1, 2, dtype=torch.float64)
    traj = ode(x0, steps, t0=t0, inputs=inputs)
    (traj * weight).sum().backward()

    p = {k: v.detach().clone().requires_grad_(True) for k, v in ode.params.items()}
    x = x0.detach().clone().requires_grad_(True)
    u = lambda t: torch.as_tensor(np.stack([np.interp(t[b], times[b], values[b])
                                            for b in range(B)]))[:, None]
    f = lambda x, t: (torch.tanh(x @ p["W"].T + u(t) * p["U"] + p["b"])
                      + 0.1 * torch.sin(torch.as_tensor(t))[:, None])
    xs, xn = [x], x
    for n in range(steps):
        tn = t0 + n * h
        k1 = f(xn, tn)
        k2 = f(xn + h / 2 * k1, tn + h / 2)
        k3 = f(xn + h / 2 * k2, tn + h / 2)
        k4 = f(xn + h * k3, tn + h)
        xn = xn + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        xs.append(xn)
    ref = torch.stack(xs, dim=1)
    (ref * weight).sum().backward()
    assert rel(traj.detach(), ref.detach()) < 1e-13
    for k in p:
        assert rel(ode.params[k].grad, p[k].grad) < 1e-10, k
    assert rel(x0.grad, x.grad) < 1e-10
    with pytest.raises(ValueError, match="has inputs; the drive must give their samples"):
        ode(x0.detach(), steps)


def test_a_flat_module_computes_what_the_named_one_does():
    named = odec.torch.NeuralODE(SPIRAL, tableau="RK38", init="prior", seed=7)
    flat = odec.torch.NeuralODE(SPIRAL, tableau="RK38", init="prior", seed=7, flat=True)
    m = named.model
    assert [n for n, _ in flat.named_parameters()] == ["flat"]
    assert list(flat.state_dict()) == ["flat"] and flat.flat.shape == (m.param_count,)
    assert torch.equal(flat.flat.detach(), torch.from_numpy(m.flatten(named.params_numpy())))
    views = flat.param_views()
    assert {k: tuple(v.shape) for k, v in views.items()} == m.params
    x0 = torch.rand(13, 2, dtype=torch.float64)  # two chunks, the second partial
    weight = torch.randn(13, 8, 2, dtype=torch.float64)
    tn, tf = named(x0, 7), flat(x0, 7)
    assert torch.equal(tn, tf)
    (tn * weight).sum().backward()
    (tf * weight).sum().backward()
    assert torch.equal(flat.flat.grad,
                       torch.cat([named.params[k].grad.reshape(-1) for k in m.params]))
    # The views are differentiable: a loss on them reaches flat's gradient, part by part.
    flat.flat.grad = None
    flat.param_views()["b2"].sum().backward()
    assert flat.flat.grad[-2:].tolist() == [1.0, 1.0] and flat.flat.grad[:-2].abs().sum() == 0
    for k, v in flat.params_numpy().items():
        assert np.array_equal(v, named.params_numpy()[k])


def test_a_flat_module_in_float32_and_under_adam():
    ode = odec.torch.NeuralODE(SPIRAL, init="prior", seed=4, flat=True, dtype=torch.float32)
    ref = odec.torch.NeuralODE(SPIRAL, init="prior", seed=4, dtype=torch.float32)
    x0 = torch.rand(5, 2)
    a, b = ode(x0, 6), ref(x0, 6)
    assert a.dtype == torch.float32 and torch.equal(a, b)
    a.pow(2).sum().backward()
    b.pow(2).sum().backward()
    assert ode.flat.grad.dtype == torch.float32
    assert torch.equal(ode.flat.grad, torch.cat([p.grad.reshape(-1) for p in ref.parameters()]))
    # Adam on one tensor takes the steps it takes on four (it is elementwise).
    for module in (ode, ref):
        torch.optim.Adam(module.parameters(), lr=0.1).step()
    assert torch.equal(ode.flat.detach(),
                       torch.cat([p.detach().reshape(-1) for p in ref.parameters()]))


def test_a_parameter_changed_between_forward_and_backward_is_refused():
    # The solve reads a float64 flat parameter where it is (no copy): an optimizer step
    # before backward() would make the gradient that of other parameters. Autograd refuses.
    ode = odec.torch.NeuralODE(SPIRAL, init="prior", flat=True)
    traj = ode(torch.rand(3, 2, dtype=torch.float64), 4)
    with torch.no_grad():
        ode.flat.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        traj.sum().backward()
    named = odec.torch.NeuralODE(SPIRAL, init="prior")
    traj = named(torch.rand(3, 2, dtype=torch.float64), 4)
    with torch.no_grad():
        named.params["b1"].add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        traj.sum().backward()


def test_bad_flat_parameters_raise_value_errors():
    m = odec.load(SPIRAL).model()
    x0 = torch.zeros(3, 2, dtype=torch.float64)
    P = m.param_count
    with pytest.raises(ValueError, match=rf"the flat parameter tensor has shape \(3,\), "
                                         rf"expected \({P},\)"):
        odec.torch.solve(m, torch.zeros(3, dtype=torch.float64), x0, 2)
    with pytest.raises(ValueError, match="the flat parameter tensor has dtype torch.float32, "
                                         "x0 torch.float64; use one dtype"):
        odec.torch.solve(m, torch.zeros(P), x0, 2)
    flat = torch.from_numpy(m.flatten(m.sample_params(1)))
    assert torch.equal(odec.torch.solve(m, flat, x0, 2),
                       torch.from_numpy(m.simulate(m.sample_params(1), x0.numpy(), steps=2)))


def test_a_flat_modules_bad_inputs_get_solves_messages():
    # The flat module checks a training loop's call in a few tests and leaves the rest to
    # solve(): the same messages as the named module's.
    ode = odec.torch.NeuralODE(SPIRAL, init="prior", flat=True)
    with pytest.raises(ValueError, match=r"x0 has shape \(3, 3\), expected \(2,\) or \(B, 2\)"):
        ode(torch.zeros(3, 3, dtype=torch.float64), 5)
    with pytest.raises(ValueError, match="the flat parameter tensor has dtype torch.float64, "
                                         "x0 torch.float32"):
        ode(torch.zeros(3, 2), 5)
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        ode(torch.zeros(3, 2, dtype=torch.float64), -1)
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        ode(torch.zeros(3, 2, dtype=torch.float64), 2.5)
    assert ode(torch.zeros(2, dtype=torch.float64), 4).shape == (1, 5, 2)
    assert ode(torch.zeros(3, 2, dtype=torch.float64), np.int64(4)).shape == (3, 5, 2)
    with pytest.warns(RuntimeWarning, match=r"odec.torch.solve: the trajectory holds non-finite "
                                            r"values \(first in trajectory 1 at step 0\)"):
        ode(torch.tensor([[0.1, 0.1], [float("nan"), 0.0]], dtype=torch.float64), 3)


def test_the_backward_pass_is_the_numpy_vjp_to_the_bit():
    # odec._torch's backward pass (the reverse sweep on the forward pass's trajectory) equals
    # Model.vjp (which solves again) exactly, for a short window and a long solve, in x0 and
    # the parameters, the named module's per-parameter gradients included.
    for flat in (True, False):
        ode = odec.torch.NeuralODE(SPIRAL, tableau="RK4", step=0.05, init="prior", seed=5,
                                   flat=flat)
        m = ode.model
        p = ode.params_numpy()
        for steps in (6, 700):
            x0 = torch.rand(10, 2, dtype=torch.float64, requires_grad=True)
            weight = torch.randn(10, steps + 1, 2, dtype=torch.float64)
            ode.zero_grad(set_to_none=True)
            (ode(x0, steps) * weight).sum().backward()
            gp, gx = m.vjp(p, x0.detach().numpy(), weight.numpy(), tableau="RK4", step=0.05)
            got = {k: v.grad for k, v in ode.named_parameters()}
            if flat:
                assert torch.equal(got["flat"], torch.from_numpy(m.flatten(gp))), steps
            else:
                for k in m.params:
                    assert torch.equal(got["params." + k], torch.from_numpy(gp[k])), (k, steps)
            assert torch.equal(x0.grad, torch.from_numpy(gx)), steps


def test_solve_apply_checks_what_keeps_the_compiled_code_in_its_buffers():
    # Solve.apply takes its arguments as they come (no names to check them against): what
    # would read or write outside a buffer is a ValueError, never a crash.
    m = odec.load(SPIRAL).model()
    P = m.param_count
    flat = torch.from_numpy(m.flatten(m.sample_params(1)))
    x0 = torch.rand(3, 2, dtype=torch.float64)
    apply = odec.torch.Solve.apply
    with pytest.raises(ValueError, match=r"x0 has shape \(3, 3\), expected \(B, 2\)"):
        apply(m, "RK4", 0.1, 4, (), torch.zeros(3, 3, dtype=torch.float64), flat)
    with pytest.raises(ValueError, match=r"x0 has shape \(2,\), expected \(B, 2\)"):
        apply(m, "RK4", 0.1, 4, (), torch.zeros(2, dtype=torch.float64), flat)
    with pytest.raises(ValueError, match=rf"the parameter tensors hold {P - 1} values, "
                                         rf"expected {P}"):
        apply(m, "RK4", 0.1, 4, (), x0, flat[1:])
    with pytest.raises(ValueError, match="a parameter tensor is not a CPU tensor of x0's dtype"):
        apply(m, "RK4", 0.1, 4, (), x0, flat.float())
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        apply(m, "RK4", 0.1, -1, (), x0, flat)
    with pytest.raises(ValueError, match="x0 has dtype torch.int64; expected torch.float64"):
        apply(m, "RK4", 0.1, 4, (), x0.long(), flat)
    with pytest.raises(ValueError, match="x0 is a list, not a tensor"):
        apply(m, "RK4", 0.1, 4, (), [[0.0, 0.0]], flat)
    with pytest.raises(ValueError, match="the trajectory would hold more than 2\\^31 values"):
        apply(m, "RK4", 0.1, 2**40, (), x0, flat)
    with pytest.raises(ValueError, match="the step h"):
        apply(m, "RK4", float("nan"), 4, (), x0, flat)
    # Only odec._core's solver capsule is taken for one.
    import ctypes
    new_capsule = ctypes.pythonapi.PyCapsule_New
    new_capsule.restype, new_capsule.argtypes = ctypes.py_object, [ctypes.c_void_p,
                                                                   ctypes.c_char_p,
                                                                   ctypes.c_void_p]
    with pytest.raises(ValueError, match="incorrect name"):
        odec._torch.solve(new_capsule(id(x0), b"other", None), 0.1, 4, x0, [flat])
    with pytest.raises(TypeError, match="incompatible function arguments"):
        odec._torch.solve(m, 0.1, 4, x0, [flat])
    # Parameters split anyhow: their values in order are the flat vector.
    parts = list(flat.split([5, P - 5]))
    assert torch.equal(apply(m, "RK4", 0.1, 4, (), x0, *parts), apply(m, "RK4", 0.1, 4, (), x0, flat))


def test_solves_from_several_threads_and_a_module_freed_before_backward():
    # The solver lives as long as a graph that needs it; threads solve side by side.
    import threading
    ode = odec.torch.NeuralODE(SPIRAL, tableau="RK4", step=0.05, init="prior", seed=2, flat=True)
    x0 = torch.rand(6, 2, dtype=torch.float64)
    want = ode(x0, 30).detach()
    got = [None] * 4

    def work(i):
        got[i] = ode(x0, 30).detach()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(torch.equal(g, want) for g in got)
    flat = ode.flat
    traj = ode(x0, 30)
    del ode
    import gc
    gc.collect()
    traj.sum().backward()
    assert flat.grad is not None and torch.isfinite(flat.grad).all()


def test_differentiating_the_gradient_again_raises():
    # create_graph=True gives the gradient (the same values), but it is not differentiable:
    # a gradient penalty through it raises instead of silently adding nothing.
    ode = odec.torch.NeuralODE(SPIRAL, init="prior", seed=3, flat=True)
    x0 = torch.rand(3, 2, dtype=torch.float64, requires_grad=True)
    traj = ode(x0, 4)
    plain, = torch.autograd.grad(traj.sum(), ode.flat, retain_graph=True)
    g, gx = torch.autograd.grad(traj.sum(), [ode.flat, x0], create_graph=True)
    assert torch.equal(g, plain)
    with pytest.raises(RuntimeError, match="odec.torch's gradient is not differentiable"):
        (g.pow(2).sum() + gx.sum()).backward()
