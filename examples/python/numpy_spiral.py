#!/usr/bin/python3
"""NumPy only: fit the Spiral model of examples/spiral.node to trajectories of a teacher with
odec's loss gradient (the CLI's `grad`) and plain gradient descent with momentum.

    PYTHONPATH=build/python python3 examples/python/numpy_spiral.py [--iters 300]
"""
import argparse
import os

import numpy as np

import odec

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--lr", type=float, default=0.05)
    args = ap.parse_args()

    m = odec.load(os.path.join(HERE, "..", "spiral.node")).model("Spiral")
    teacher = m.sample_params(seed=1)
    student, report = m.initialize(seed=2)  # the init block: stable for RK4 at h = 0.1
    print(f"student initialized by {report['strategy']}: max |R(hλ)| = {report['max_abs_R']:.3f}")

    rng = np.random.default_rng(0)
    x0 = rng.uniform(-1, 1, (32, 2))
    steps, h = 20, 0.1
    target = m.simulate(teacher, x0, tableau="RK4", step=h, steps=steps)  # (32, 21, 2)

    velocity = {k: np.zeros_like(v) for k, v in student.items()}
    for it in range(args.iters + 1):
        # The MSE over every step of every trajectory and its exact gradient.
        loss, grad, _ = m.loss_grad(student, x0, target, tableau="RK4", step=h)
        if it % 50 == 0:
            print(f"iter {it:4d}  mse {loss:.3e}")
        for k in student:
            velocity[k] = 0.9 * velocity[k] - args.lr * grad[k]
            student[k] = student[k] + velocity[k]

    # Any other loss goes through the vector–Jacobian product: here the error at the last step
    # only, L = 0.5 Σ (x_N - y_N)², whose cotangent is (x_N - y_N) at step N and 0 elsewhere.
    traj = m.simulate(student, x0, tableau="RK4", step=h, steps=steps)
    cot = np.zeros_like(traj)
    cot[:, -1] = traj[:, -1] - target[:, -1]
    grad, grad_x0 = m.vjp(student, x0, cot, tableau="RK4", step=h)
    print(f"final-step loss {0.5 * np.sum(cot ** 2):.3e}, |dL/dW1| = {np.linalg.norm(grad['W1']):.3e}, "
          f"dL/dx0 {grad_x0.shape}")
    odec.save_params(os.path.join(os.getcwd(), "spiral_student.json"), student, m)
    print("wrote spiral_student.json")


if __name__ == "__main__":
    main()
