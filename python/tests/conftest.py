"""Shared fixtures of the odec package's tests (run by CTest: python.test_*)."""
import os
import pathlib

import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("ODEC_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))

# Independent references: explicit tableaux written out here, not read from odec.
TABLEAUX = {
    "RK4": ([[0, 0, 0, 0], [0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 1, 0]],
            [1 / 6, 1 / 3, 1 / 3, 1 / 6]),
    "RK38": ([[0, 0, 0, 0], [1 / 3, 0, 0, 0], [-1 / 3, 1, 0, 0], [1, -1, 1, 0]],
             [1 / 8, 3 / 8, 3 / 8, 1 / 8]),
    "Heun": ([[0, 0], [1, 0]], [0.5, 0.5]),
}


def rk_loop(field, x0, steps, h, tableau, stack):
    """A plain explicit Runge–Kutta loop: x_{n+1} = x_n + h Σ b_i k_i, k_i = f(x_n + h Σ a_ij k_j).
    Works for NumPy arrays and torch tensors (``stack`` joins the states along axis 1)."""
    A, b = TABLEAUX[tableau]
    xs, x = [x0], x0
    for _ in range(steps):
        k = []
        for i in range(len(b)):
            xi = x
            for j in range(i):
                if A[i][j] != 0:
                    xi = xi + h * A[i][j] * k[j]
            k.append(field(xi))
        for i in range(len(b)):
            x = x + h * b[i] * k[i]
        xs.append(x)
    return stack(xs)


def spiral_field(p):
    """The Spiral model of examples/spiral.node on a batch x (B, 2), in NumPy."""
    return lambda x: np.tanh(x @ p["W1"].T + p["b1"]) @ p["W2"].T + p["b2"]


@pytest.fixture(scope="session")
def spiral():
    import odec
    return odec.load(SOURCE_DIR / "examples" / "spiral.node").model("Spiral")
