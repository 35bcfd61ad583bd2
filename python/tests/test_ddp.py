"""odec.torch.NeuralODE under DistributedDataParallel (gloo): two processes on localhost, each
with half the batch, average their gradients to the single-process gradient of the batch."""
import os
import socket

import pytest

torch = pytest.importorskip("torch")
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

import odec.torch  # noqa: E402
from conftest import SOURCE_DIR  # noqa: E402

SPIRAL = str(SOURCE_DIR / "examples" / "spiral.node")
BATCH, STEPS = 12, 20


def problem():
    g = torch.Generator().manual_seed(0)
    x0 = torch.rand(BATCH, 2, generator=g, dtype=torch.float64) * 2 - 1
    target = torch.rand(BATCH, STEPS + 1, 2, generator=g, dtype=torch.float64)
    return x0, target


def loss_of(module, x0, target):
    return (module(x0, STEPS) - target).pow(2).mean()


def worker(rank, world, port, out_dir):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    torch.set_num_threads(1)
    # Rank 1 starts from other parameters: DDP broadcasts rank 0's when it wraps the module.
    ode = odec.torch.NeuralODE(SPIRAL, init="prior", seed=1 + rank)
    ddp = torch.nn.parallel.DistributedDataParallel(ode)
    x0, target = problem()
    half = slice(rank * BATCH // world, (rank + 1) * BATCH // world)
    opt = torch.optim.Adam(ddp.parameters(), lr=1e-2)
    loss_of(ddp, x0[half], target[half]).backward()  # DDP averages the gradients
    grads = {k: p.grad.clone() for k, p in ode.params.items()}
    opt.step()  # and the ranks stay in step
    torch.save({"grads": grads, "params": {k: p.detach().clone() for k, p in ode.params.items()}},
               os.path.join(out_dir, f"rank{rank}.pt"))
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_average_to_the_single_process_gradient(tmp_path):
    mp.spawn(worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in range(2)]

    single = odec.torch.NeuralODE(SPIRAL, init="prior", seed=1)
    x0, target = problem()
    loss_of(single, x0, target).backward()
    for k, p in single.params.items():
        ref = p.grad
        for r in ranks:
            err = (r["grads"][k] - ref).abs().max() / ref.abs().max()
            assert err < 1e-12, (k, err.item())
    for k in single.params:
        assert torch.equal(ranks[0]["params"][k], ranks[1]["params"][k])
