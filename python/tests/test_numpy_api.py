"""The NumPy API of the odec package against independent references: a NumPy Runge–Kutta
loop, finite differences, and the CLI's own JSON output."""
import json
import os
import subprocess
import threading

import numpy as np
import pytest

import odec
from conftest import SOURCE_DIR, TABLEAUX, rk_loop, spiral_field

rng = np.random.default_rng(0)


def rel(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) / max(np.max(np.abs(b)), 1e-300)


def cli(*args):
    out = subprocess.run([os.environ["ODEC_BINARY"], *map(str, args)], check=True,
                         capture_output=True, text=True)
    return out.stdout


def test_program_and_layout(spiral):
    prog = odec.load(SOURCE_DIR / "examples" / "spiral.node")
    assert prog.model_names == ["Spiral"]
    assert "RK4" in prog.tableau_names and "Kutta3" in prog.tableau_names
    assert spiral.params == {"W1": (16, 2), "b1": (16,), "W2": (2, 16), "b2": (2,)}
    assert spiral.states == {"x": (2,)}
    assert spiral.state_dim == 2 and spiral.param_count == 16 * 2 + 16 + 32 + 2
    assert spiral.state_columns == ["x[1]", "x[2]"]


@pytest.mark.parametrize("tableau", ["RK4", "RK38", "Heun"])
def test_simulate_matches_a_numpy_loop(spiral, tableau):
    p = spiral.sample_params(3)
    x0 = rng.uniform(-1, 1, (5, 2))
    traj = spiral.simulate(p, x0, tableau=tableau, step=0.1, steps=30)
    assert traj.shape == (5, 31, 2) and traj.dtype == np.float64
    ref = rk_loop(spiral_field(p), x0, 30, 0.1, tableau, lambda xs: np.stack(xs, axis=1))
    assert rel(traj, ref) < 1e-13


def test_single_x0_gives_one_trajectory(spiral):
    p = spiral.sample_params(1)
    one = spiral.simulate(p, [1.0, 0.0], step=0.1, steps=4)
    assert one.shape == (1, 5, 2)
    np.testing.assert_array_equal(one[0, 0], [1.0, 0.0])
    np.testing.assert_array_equal(one, spiral.simulate(p, [[1.0, 0.0]], step=0.1, steps=4))


def test_sample_params_is_the_clis(spiral, tmp_path):
    p = spiral.sample_params(7)
    assert set(p) == set(spiral.params) and all(v.shape == spiral.params[k] for k, v in p.items())
    out = tmp_path / "p.json"
    # odec simulate --seed draws the same parameters: its trajectory is ours.
    csv = cli("simulate", SOURCE_DIR / "examples" / "spiral.node", "--tableau", "RK4",
              "--step", "0.1", "--steps", "3", "--x0", "0.5,-0.25", "--seed", "7")
    rows = np.array([[float(v) for v in line.split(",")] for line in csv.splitlines()[1:]])
    traj = spiral.simulate(p, [0.5, -0.25], step=0.1, steps=3)
    assert rel(traj[0], rows[:, 1:]) < 1e-12
    for k in p:
        np.testing.assert_array_equal(p[k], spiral.sample_params(7)[k])
    assert not np.array_equal(p["W1"], spiral.sample_params(8)["W1"])


def test_float32_runs_float_code(spiral):
    p = spiral.sample_params(2)
    x0 = rng.uniform(-1, 1, (20, 2))
    d = spiral.simulate(p, x0, step=0.1, steps=20)
    f = spiral.simulate({k: v.astype(np.float32) for k, v in p.items()}, x0.astype(np.float32),
                        step=0.1, steps=20)
    assert f.dtype == np.float32
    assert 0 < rel(f, d) < 1e-5
    # Mixed dtypes compute in double.
    assert spiral.simulate(p, x0.astype(np.float32), step=0.1, steps=20).dtype == np.float64


def test_implicit_tableau_in_float32_runs_double(spiral):
    p = spiral.sample_params(2)
    x0 = np.array([[0.5, 0.5]])
    d = spiral.simulate(p, x0, tableau="GaussLegendre2", step=0.1, steps=5)
    f = spiral.simulate(p, x0.astype(np.float32), tableau="GaussLegendre2", step=0.1, steps=5,
                        precision="float32")
    assert f.dtype == np.float64
    np.testing.assert_array_equal(f, d)


def fd_vjp(spiral, p, x0, cot, tableau, h):
    """Central differences of sum(cot * simulate)."""
    steps = cot.shape[1] - 1
    L = lambda q, x: np.sum(cot * spiral.simulate(q, x, tableau=tableau, step=h, steps=steps))
    eps = 1e-6
    grads = {}
    for k, v in p.items():
        g = np.zeros_like(v)
        for i in np.ndindex(v.shape):
            up = {**p, k: v.copy()}
            down = {**p, k: v.copy()}
            up[k][i] += eps
            down[k][i] -= eps
            g[i] = (L(up, x0) - L(down, x0)) / (2 * eps)
        grads[k] = g
    gx = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[i] += eps
        down[i] -= eps
        gx[i] = (L(p, up) - L(p, down)) / (2 * eps)
    return grads, gx


@pytest.mark.parametrize("tableau", ["RK4", "GaussLegendre2"])
def test_vjp_matches_finite_differences(spiral, tableau):
    p = {k: v + 0.05 for k, v in spiral.sample_params(4).items()}
    x0 = rng.uniform(-1, 1, (3, 2))
    cot = rng.uniform(-1, 1, (3, 9, 2))
    gp, gx = spiral.vjp(p, x0, cot, tableau=tableau, step=0.1)
    fp, fx = fd_vjp(spiral, p, x0, cot, tableau, 0.1)
    for k in p:
        assert gp[k].shape == p[k].shape
        assert rel(gp[k], fp[k]) < 1e-6, k
    assert gx.shape == x0.shape and rel(gx, fx) < 1e-6
    # A (D,) x0 gives a (D,) gradient.
    gp1, gx1 = spiral.vjp(p, x0[0], cot[:1], tableau=tableau, step=0.1)
    assert gx1.shape == (2,) and rel(gx1, gx[0]) < 1e-6


def test_loss_grad_is_the_mse_and_its_vjp(spiral):
    p = spiral.sample_params(5)
    x0 = rng.uniform(-1, 1, (4, 2))
    steps, h = 12, 0.05
    target_steps = [12, 3, 7]  # unsorted: sorted like the CLI's target rows
    y = rng.uniform(-1, 1, (4, 3, 2))
    loss, gp, gx = spiral.loss_grad(p, x0, y, target_steps, tableau="RK38", step=h, steps=steps)
    traj = spiral.simulate(p, x0, tableau="RK38", step=h, steps=steps)
    diff = traj[:, target_steps] - y
    assert abs(loss - np.mean(diff ** 2)) < 1e-14 * loss
    cot = np.zeros_like(traj)
    cot[:, target_steps] = 2 * diff / diff.size
    vp, vx = spiral.vjp(p, x0, cot, tableau="RK38", step=h)
    assert all(rel(gp[k], vp[k]) < 1e-12 for k in p) and rel(gx, vx) < 1e-12


def test_loss_grad_is_the_clis_grad(spiral, tmp_path):
    p = spiral.sample_params(6)
    odec.save_params(tmp_path / "p.json", p, spiral)
    (tmp_path / "t.csv").write_text("t,x[1],x[2]\n0.2,0.5,0.25\n0.5,-0.5,1\n")
    doc = json.loads(cli("grad", SOURCE_DIR / "examples" / "spiral.node", "--tableau", "RK4",
                         "--step", "0.1", "--steps", "5", "--x0", "1,0", "--params",
                         tmp_path / "p.json", "--target", tmp_path / "t.csv", "--json"))
    loss, gp, gx = spiral.loss_grad(p, [1.0, 0.0], [[0.5, 0.25], [-0.5, 1.0]], [2, 5],
                                    tableau="RK4", step=0.1, steps=5)
    assert abs(loss - doc["loss"]) <= 1e-15 * loss
    for k in p:
        assert rel(gp[k], np.array(doc["gradients"][k])) < 1e-14
    assert rel(gx, doc["x0_gradient"]) < 1e-14


def test_initialize_reports_like_odec_init(spiral, tmp_path):
    p, report = spiral.initialize(11)
    doc = json.loads(cli("init", SOURCE_DIR / "examples" / "spiral.node", "--seed", "11",
                         "--out", tmp_path / "p.json", "--json"))
    assert list(report) == list(doc)
    for k in doc:
        if isinstance(doc[k], float):
            assert report[k] == pytest.approx(doc[k], rel=1e-12), k
        elif k.endswith("eigenvalues"):
            np.testing.assert_allclose(report[k], doc[k], rtol=1e-12)
        else:
            assert report[k] == doc[k], k
    file_params = odec.load_params(tmp_path / "p.json", spiral)
    for k in p:
        np.testing.assert_array_equal(p[k], file_params[k])


def test_initialize_retargets_the_block_to_the_training_solver_and_step(spiral):
    """spiral.node's block constrains hλ to RK4's region at h = 0.1; re-targeted to Euler at
    h = 0.5 every hλ lies in Euler's disc |1 + z| ≤ margin, with λ the Jacobian's eigenvalues
    at the origin computed here from the drawn parameters (W2 diag(1 − tanh²(b1)) W1)."""
    p, report = spiral.initialize(11, tableau="Euler", step=0.5)
    assert (report["solver"], report["region"], report["step"]) == ("Euler", "Euler", 0.5)
    d = 1 - np.tanh(p["b1"]) ** 2
    lam = np.linalg.eigvals(p["W2"] @ (d[:, None] * p["W1"]))
    assert np.all(np.abs(1 + 0.5 * lam) <= 0.9 + 1e-12)
    np.testing.assert_allclose(sorted(np.abs(1 + 0.5 * lam)),
                               sorted(np.hypot(*np.array(report["scaled_eigenvalues"]).T
                                               + np.array([[1.0], [0.0]]))), rtol=1e-10)
    # The step alone keeps the block's solver; the same call as odec train's re-targeting.
    _, r = spiral.initialize(11, step=0.2)
    assert (r["solver"], r["step"]) == ("RK4", 0.2)
    other = odec.compile_source(
        "model M\n  state x::Vector{1}\n  param k::Real ~ Normal(0, 1)\n"
        "  ddt(x) = -k .* x\nend\n"
        "init M\n  solver = RK4\n  step = 0.1\n"
        "  require eigvals(step * jacobian(ddt(x), x)) in stability(Euler)\nend\n").model()
    with pytest.raises(ValueError, match=r"constrains hλ to stability\(Euler\) while its solver "
                                         r"is RK4, so it cannot be re-targeted to the tableau "
                                         r"Midpoint"):
        other.initialize(1, tableau="Midpoint")
    assert other.initialize(1, tableau="RK4", step=0.2)[1]["region"] == "Euler"
    with pytest.raises(ValueError, match="must be a positive finite number"):
        spiral.initialize(1, tableau="RK4", step=-1.0)


def test_initialize_without_init_block_is_a_value_error():
    m = odec.compile_source("model M\n  state x::Vector{1}\n  param k::Real ~ Normal(0, 1)\n"
                            "  ddt(x) = -k .* x\nend\n").model()
    with pytest.raises(ValueError, match="no init block for model M"):
        m.initialize(1)


def test_tableau_is_the_clis_analysis():
    assert odec.tableau("RK4") == json.loads(cli("tableau", "RK4", "--json"))
    kutta = odec.tableau("Kutta3", source=SOURCE_DIR / "examples" / "spiral.node")
    assert kutta["order"] == 3 and kutta["explicit"] is True
    with pytest.raises(ValueError, match="NoSuch"):
        odec.tableau("NoSuch")
    # An embedded pair: both orders; FSAL.
    dopri = odec.tableau("DormandPrince5")
    assert (dopri["order"], dopri["embedded"]["order"], dopri["fsal"]) == (5, 4, True)
    assert odec.tableau("RK4")["embedded"] is None


def test_params_files_round_trip(spiral, tmp_path):
    p = spiral.sample_params(3)
    path = tmp_path / "p.json"
    odec.save_params(path, p, spiral)
    assert os.listdir(tmp_path) == ["p.json"]  # written atomically: no temporary left
    back = odec.load_params(path, spiral)
    assert all(np.array_equal(back[k], p[k]) for k in p)
    loose = odec.load_params(path)  # without a model: the file's arrays as they are
    assert loose["W1"].shape == (16, 2)
    odec.save_params(tmp_path / "q.json", {**p, "W1": p["W1"][:3]})
    with pytest.raises(ValueError, match="W1"):
        odec.load_params(tmp_path / "q.json", spiral)


def test_compile_error_is_the_clis_diagnostic(tmp_path):
    text = "model M\n  state x::Vector{2}\n  ddt(x) = y\nend\n"
    with pytest.raises(odec.CompileError) as e:
        odec.compile_source(text, "bad.node")
    assert str(e.value) == ("bad.node:3:12: error: undefined name 'y'\n"
                            "      ddt(x) = y\n"
                            "               ^\n")
    (tmp_path / "bad.node").write_text(text)
    check = subprocess.run([os.environ["ODEC_BINARY"], "check", "bad.node"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert check.returncode == 1 and check.stderr == str(e.value)
    with pytest.raises(odec.CompileError, match="bad.node:3:12: error"):
        odec.load(tmp_path / "bad.node")
    with pytest.raises(FileNotFoundError):
        odec.load(tmp_path / "missing.node")


def test_wrong_shapes_and_dtypes_raise_value_errors(spiral):
    p = spiral.sample_params(1)
    cases = [
        (lambda: spiral.simulate(p, np.zeros((3, 3))), "x0 has shape (3, 3), expected (2,) or (B, 2)"),
        (lambda: spiral.simulate({**p, "W1": np.zeros((2, 16))}, [0.0, 0.0]),
         "parameter 'W1' has shape (2, 16), expected (16, 2)"),
        (lambda: spiral.simulate({k: v for k, v in p.items() if k != "b2"}, [0.0, 0.0]),
         "parameter 'b2' is missing"),
        (lambda: spiral.simulate(p, np.zeros(2, dtype=np.int64)),
         "x0 has dtype int64; expected float64 or float32"),
        (lambda: spiral.vjp(p, np.zeros((2, 2)), np.zeros((3, 4, 2))),
         "the cotangent has shape (3, 4, 2), expected (2, steps+1, 2)"),
        (lambda: spiral.loss_grad(p, np.zeros((2, 2)), np.zeros((2, 3, 2)), [0, 1]),
         "targets has shape (2, 3, 2), expected (2, 2, 2)"),
        (lambda: spiral.simulate(p, [0.0, 0.0], steps=-1), "steps must be a non-negative integer"),
        # The library's one rule for a step (support/Step.h), for every entry point.
        (lambda: spiral.simulate(p, [0.0, 0.0], step=0), "step h must be a positive finite number"),
        (lambda: spiral.vjp(p, [0.0, 0.0], np.zeros((1, 3, 2)), step=float("nan")),
         "step h must be a positive finite number"),
        (lambda: spiral.loss_grad(p, [0.0, 0.0], np.zeros((1, 1, 2)), [1], step=-0.1),
         "step h must be a positive finite number"),
        (lambda: spiral.simulate(p, [0.0, 0.0], tableau="NoSuch"), "NoSuch"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError) as e:
            call()
        assert message in str(e.value)


def test_non_finite_trajectories_warn():
    m = odec.compile_source("model G\n  state x::Vector{1}\n  param k::Real ~ Normal(0, 1)\n"
                            "  ddt(x) = k .* x .* x\nend\n").model()
    with pytest.warns(RuntimeWarning, match="non-finite values \\(first in trajectory 0 at step"):
        m.simulate({"k": np.array(1.0)}, [10.0], tableau="RK4", step=1.0, steps=20)


def test_threads_share_a_model_and_release_the_gil(spiral):
    p = spiral.sample_params(2)
    x0 = rng.uniform(-1, 1, (64, 2))
    serial = [spiral.simulate(p, x0 * (1 + i / 10), step=0.01, steps=200) for i in range(8)]
    results = [None] * 8

    def work(i):
        results[i] = spiral.simulate(p, x0 * (1 + i / 10), step=0.01, steps=200)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(results, serial):
        np.testing.assert_array_equal(a, b)

    # While one thread is inside a long solve, this one keeps running Python.
    started = threading.Event()
    big = rng.uniform(-1, 1, (256, 2))

    def long_solve():
        started.set()
        spiral.simulate(p, big, step=0.001, steps=20000)

    t = threading.Thread(target=long_solve)
    t.start()
    started.wait()
    count = 0
    while t.is_alive():
        count += 1
    t.join()
    assert count > 1000


DRIVEN = """
model D
    state x::Vector{1}
    input u::Real ~ Linear()
    param k::Real ~ Constant(1)
    ddt(x) = -k .* x .+ sin(t) .+ u
end
"""


def test_driven_model_reads_time_and_inputs():
    """ẋ = −k x + sin t + u with u = 0.5 t (Linear reproduces it exactly): the analytic
    solution from each trajectory's own t0; the VJP against central differences."""
    m = odec.compile_source(DRIVEN, "driven.node").model("D")
    times = np.linspace(0.0, 3.0, 7)
    signal = (times, 0.5 * times)
    t0 = np.array([0.0, 0.5, 1.0])
    x0 = np.array([[0.2], [-0.1], [0.4]])
    traj = m.simulate({"k": 1.0}, x0, tableau="RK4", step=0.01, steps=150, t0=t0,
                      inputs=signal)

    def exact(x, s, t):  # x' = -x + sin t + t/2 from x(s) = x
        p = lambda u: (np.sin(u) - np.cos(u)) / 2 + u / 2 - 0.5
        return (x - p(s)) * np.exp(-(t - s)) + p(t)

    for b in range(3):
        assert abs(traj[b, -1, 0] - exact(x0[b, 0], t0[b], t0[b] + 1.5)) < 1e-9
    cot = rng.normal(size=traj.shape)
    gp, _ = m.vjp({"k": 1.0}, x0, cot, tableau="RK4", step=0.01, t0=t0, inputs=signal)
    eps = 1e-6
    f = lambda k: np.sum(cot * m.simulate({"k": k}, x0, tableau="RK4", step=0.01, steps=150,
                                          t0=t0, inputs=signal))
    fd = (f(1.0 + eps) - f(1.0 - eps)) / (2 * eps)
    assert abs(gp["k"] - fd) < 1e-6 * max(1.0, abs(fd))
    with pytest.raises(ValueError, match="has inputs; the drive must give their samples"):
        m.simulate({"k": 1.0}, x0, tableau="RK4", step=0.01, steps=10)
    with pytest.raises(ValueError, match=r"is sampled on \[0, 3\], but trajectory 2 is solved"):
        m.simulate({"k": 1.0}, x0, tableau="RK4", step=0.1, steps=25, t0=t0, inputs=signal)


def test_observations_off_the_grid_outputs_and_missing_values():
    """predict at irregular times equals the analytic solution; observed_loss leaves NaN out
    and its gradient equals central differences (an output with a parameter of its own)."""
    src = DRIVEN.replace("end", "    param c::Real ~ Constant(2)\n    output y = c * x\nend", 1)
    m = odec.compile_source(src, "observed.node").model("D")
    assert m.observed_columns == ["y[1]"]
    signal = (np.linspace(0.0, 4.0, 9), 0.5 * np.linspace(0.0, 4.0, 9))
    p = {"k": 1.0, "c": 2.0}
    x0 = np.array([[0.2], [-0.1]])
    t0 = np.array([0.0, 0.5])
    times = [np.array([0.137, 0.9, 2.31]), np.array([1.05, 3.3])]

    def exact(x, s, t):  # x' = -x + sin t + t/2 from x(s) = x
        q = lambda u: (np.sin(u) - np.cos(u)) / 2 + u / 2 - 0.5
        return (x - q(s)) * np.exp(-(t - s)) + q(t)

    states, observed = m.predict(p, x0, times, tableau="RK4", step=0.01, t0=t0, inputs=signal)
    for b in range(2):
        assert states[b].shape == (len(times[b]), 1)
        np.testing.assert_allclose(states[b][:, 0], exact(x0[b, 0], t0[b], times[b]), atol=1e-9)
        np.testing.assert_allclose(observed[b], 2 * states[b], rtol=1e-15)
    values = [np.array([[0.3], [np.nan], [0.1]]), np.array([[0.0], [0.2]])]
    loss, gp, gx = m.observed_loss(p, x0, times, values, tableau="RK4", step=0.1, t0=t0,
                                   inputs=signal)
    _, obs = m.predict(p, x0, times, tableau="RK4", step=0.1, t0=t0, inputs=signal)
    kept = [(obs[0][0, 0], 0.3), (obs[0][2, 0], 0.1), (obs[1][0, 0], 0.0), (obs[1][1, 0], 0.2)]
    assert abs(loss - sum((a - b) ** 2 for a, b in kept) / 4) < 1e-15
    eps = 1e-6
    for name in ("k", "c"):
        up, down = dict(p), dict(p)
        up[name] += eps
        down[name] -= eps
        f = lambda q: m.observed_loss(q, x0, times, values, tableau="RK4", step=0.1, t0=t0,
                                      inputs=signal)[0]
        fd = (f(up) - f(down)) / (2 * eps)
        assert abs(gp[name] - fd) < 1e-6 * max(1.0, abs(fd)), name
    assert gx.shape == (2, 1)
    with pytest.raises(ValueError, match=r"values\[1\] has shape \(3, 1\), expected \(2, 1\)"):
        m.observed_loss(p, x0, times, [values[0], np.zeros((3, 1))], t0=t0, inputs=signal)
    with pytest.raises(ValueError, match="is not after the previous one"):
        m.predict(p, x0, [np.array([1.0, 1.0]), np.array([2.0])], t0=t0, inputs=signal)


# ddt(x) = A x: the adaptive tests' model.
LINEAR = """
model Lin
    state x::Vector{2}
    param A::Matrix{2,2} ~ Constant(0.0)
    ddt(x) = A * x
end
"""


def test_adaptive_steps_reach_the_times_within_the_tolerance():
    # ddt(x) = A x, A = [[-0.1, -2], [2, -0.1]]: x(t) = e^{-0.1 t} R(2t) x0, R a rotation.
    m = odec.compile_source(LINEAR).model("Lin")
    A = np.array([[-0.1, -2.0], [2.0, -0.1]])
    x0 = np.array([[1.0, 0.5], [-0.3, 2.0]])
    times = np.array([0.0, 0.4, 1.7, 5.0])
    states, info = m.solve_adaptive({"A": A}, x0, times, rtol=1e-10, atol=1e-10)
    assert states.shape == (2, 4, 2)
    for b in range(2):
        for k, t in enumerate(times):
            c, s = np.cos(2 * t), np.sin(2 * t)
            exact = np.exp(-0.1 * t) * np.array([[c, -s], [s, c]]) @ x0[b]
            np.testing.assert_allclose(states[b, k], exact, rtol=0, atol=1e-8)
    assert len(info["accepted"]) == 2 and min(info["accepted"]) > 10
    # FSAL: per trajectory the first slope, six stages a step, one for the first-step choice
    # (its trial Euler step's slope; f(x0) is the first slope).
    assert info["nfe"] == 6 * sum(info["accepted"]) + 6 * sum(info["rejected"]) + 2 * 2
    # A looser tolerance takes fewer steps; bad input is refused by name.
    _, loose = m.solve_adaptive({"A": A}, x0, times, rtol=1e-4, atol=1e-4)
    assert sum(loose["accepted"]) < sum(info["accepted"])
    with pytest.raises(ValueError, match="no embedded weights"):
        m.solve_adaptive({"A": A}, x0, times, tableau="RK4")
    with pytest.raises(ValueError, match="rtol must be a positive finite number"):
        m.solve_adaptive({"A": A}, x0, times, rtol=0)
    with pytest.raises(RuntimeError, match="trajectory 0: 2 steps \\(max steps\\) reached"):
        m.solve_adaptive({"A": A}, x0, times, max_steps=2)
    with pytest.raises(ValueError, match="beta must be in \\[0, 0.2\\]"):
        m.solve_adaptive({"A": A}, x0, times, pi_beta=0.5)


def test_dense_output_leaves_the_steps_alone_and_step_to_times_does_not():
    m = odec.compile_source(LINEAR).model("Lin")
    A = np.array([[-0.1, -2.0], [2.0, -0.1]])
    x0 = np.array([1.0, 0.5])
    many = np.linspace(0.0, 5.0, 101)
    # The pairs' own extensions (order 4) and a Hermite cubic (order 3: CashKarp45's, coarser).
    for tableau, close in [("DormandPrince5", 1e-8), ("Tsit5", 1e-8), ("CashKarp45", 1e-6)]:
        ends, e = m.solve_adaptive({"A": A}, x0, [0.0, 5.0], tableau=tableau, rtol=1e-9,
                                   atol=1e-9)
        dense, d = m.solve_adaptive({"A": A}, x0, many, tableau=tableau, rtol=1e-9, atol=1e-9)
        assert d["accepted"] == e["accepted"] and d["nfe"] == e["nfe"]
        assert np.array_equal(dense[0, -1], ends[0, -1])
        t = many[:, None]
        c, s = np.cos(2 * t), np.sin(2 * t)
        exact = np.exp(-0.1 * t) * np.hstack([c * 1.0 - s * 0.5, s * 1.0 + c * 0.5])
        np.testing.assert_allclose(dense[0], exact, rtol=0, atol=close)
        _, stepped = m.solve_adaptive({"A": A}, x0, many, tableau=tableau, rtol=1e-9, atol=1e-9,
                                      step_to_times=True)
        assert stepped["accepted"][0] >= 100
    # The I controller (pi_beta=0) is another step sequence.
    _, i_only = m.solve_adaptive({"A": A}, x0, [0.0, 5.0], rtol=1e-9, atol=1e-9, pi_beta=0)
    _, pi = m.solve_adaptive({"A": A}, x0, [0.0, 5.0], rtol=1e-9, atol=1e-9)
    assert i_only["accepted"] != pi["accepted"] or i_only["rejected"] != pi["rejected"]


def test_adaptive_loss_gradient_matches_finite_differences_of_the_solve():
    # ddt(x) = A x: with tight tolerances the frozen-step gradient is the gradient of the exact
    # solution's loss to within the solve's error; compare with central differences of
    # solve_adaptive at a looser step-independent level, and check shapes and the missing value.
    m = odec.compile_source(LINEAR).model("Lin")
    A = np.array([[-0.1, -2.0], [2.0, -0.1]])
    x0 = np.array([[1.0, 0.5]])
    times = np.array([0.0, 0.5, 1.5])
    values = np.array([[[0.2, 1.0], [np.nan, -0.4]]])
    for step_to_times in (False, True):  # the dense output, or steps ending on the times
        loss, grads, gx, info = m.adaptive_loss({"A": A}, x0, times, values, rtol=1e-12,
                                                atol=1e-12, step_to_times=step_to_times)
        assert info["count"] == 3 and gx.shape == (1, 2) and grads["A"].shape == (2, 2)

        def f(a, x):  # the loss of the solve with the same settings
            s, _ = m.solve_adaptive({"A": a}, x, times, rtol=1e-12, atol=1e-12,
                                    step_to_times=step_to_times)
            d = s[0, 1:] - values[0]
            return np.nansum(d * d) / 3

        assert abs(loss - f(A, x0)) < 1e-15
        eps = 1e-5
        for i in range(2):
            for j in range(2):
                up, down = A.copy(), A.copy()
                up[i, j] += eps
                down[i, j] -= eps
                fd = (f(up, x0) - f(down, x0)) / (2 * eps)
                assert abs(grads["A"][i, j] - fd) < 1e-6 * max(1.0, abs(fd))
        for d in range(2):
            up, down = x0.copy(), x0.copy()
            up[0, d] += eps
            down[0, d] -= eps
            fd = (f(A, up) - f(A, down)) / (2 * eps)
            assert abs(gx[0, d] - fd) < 1e-6 * max(1.0, abs(fd))
    with pytest.raises(ValueError, match="values has shape"):
        m.adaptive_loss({"A": A}, x0, times, values[:, :1])
    # The continuous adjoint (torchdiffeq's odeint_adjoint) approaches the same gradient.
    closs, cgrads, cgx, _ = m.adaptive_loss({"A": A}, x0, times, values, rtol=1e-10, atol=1e-10,
                                            adjoint="continuous")
    assert abs(closs - loss) < 1e-8
    np.testing.assert_allclose(cgrads["A"], grads["A"], rtol=0, atol=1e-7)
    np.testing.assert_allclose(cgx, gx, rtol=0, atol=1e-7)
    with pytest.raises(ValueError, match='adjoint must be "discrete" or "continuous"'):
        m.adaptive_loss({"A": A}, x0, times, values, adjoint="backprop")


def test_adaptive_steps_of_a_driven_model_read_the_inputs_at_the_stage_times():
    # ddt(x) = -x + u + 0.1 t with u = sin through Linear samples every 0.05: against the fixed
    # fine-step observation solver with the same inputs; the gradient of the adaptive loss
    # against central differences of the solve stepping to the times.
    m = odec.compile_source("""
model Drv
    state x::Real
    input u::Real ~ Linear()
    param k::Real ~ Constant(1.0)
    ddt(x) = -k * x + u + 0.1 * t
end
""").model("Drv")
    ts = np.linspace(0.0, 2.0, 41)
    inputs = (ts, np.sin(3 * ts))
    times = np.array([0.2, 0.7, 1.3, 2.0])
    x0 = np.array([[0.5], [-0.4]])
    states, info = m.solve_adaptive({"k": np.array(1.0)}, x0, times, tableau="Tsit5",
                                    rtol=1e-11, atol=1e-11, inputs=inputs)
    # Linear's kinks at the 40 samples are step ends: at least one step per sample interval.
    assert min(info["accepted"]) >= 36
    fine, _ = m.predict({"k": np.array(1.0)}, x0, times[1:], tableau="RK4", step=1e-3,
                        t0=0.2, inputs=inputs)
    for b in range(2):
        np.testing.assert_allclose(states[b, 1:, 0], fine[b][:, 0], rtol=0, atol=1e-9)
    values = np.array([[[0.3], [0.1], [np.nan]], [[-0.2], [0.0], [0.4]]])
    for step_to_times in (False, True):  # the dense output, or steps ending on the times
        loss, grads, gx, _ = m.adaptive_loss({"k": np.array(1.0)}, x0, times, values,
                                             tableau="Tsit5", rtol=1e-12, atol=1e-12,
                                             inputs=inputs, step_to_times=step_to_times)

        def f(k):
            s, _ = m.solve_adaptive({"k": np.array(k)}, x0, times, tableau="Tsit5", rtol=1e-12,
                                    atol=1e-12, step_to_times=step_to_times, inputs=inputs)
            d = s[:, 1:] - values
            return np.nansum(d * d) / 5

        assert abs(loss - f(1.0)) < 1e-15
        fd = (f(1.0 + 1e-5) - f(1.0 - 1e-5)) / 2e-5
        assert abs(float(grads["k"]) - fd) < 1e-6 * max(1.0, abs(fd))
    with pytest.raises(ValueError, match="has inputs; the drive must give their samples"):
        m.solve_adaptive({"k": np.array(1.0)}, x0, times)
