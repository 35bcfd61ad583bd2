#!/usr/bin/python3
"""ode_demo's problem trained data-parallel: odec.torch.NeuralODE inside
torch.nn.parallel.DistributedDataParallel (gloo), each process solving its share of the batch
with odec's fused solver; DDP averages the gradients, so every process takes the same Adam
step as one process would on the whole batch.

One machine, 2 processes (started by this script through torch.multiprocessing):
    PYTHONPATH=build/python python3 examples/python/ddp_train.py --nproc 2

Several machines: on each of N machines, with node 0's address HOST0 reachable from all and
the same code and PYTHONPATH everywhere (R = 0 .. N-1):
    PYTHONPATH=build/python python3 examples/python/ddp_train.py --nproc 2 \
        --nnodes N --node-rank R --master-addr HOST0 --master-port 29500

A launcher that sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT itself (torchrun, Slurm,
...) runs it with --nproc 1 and nothing else. (Debian 12's torchrun, torch 1.13 on Python
3.11, fails in its own argument handling; hence the built-in launcher.) docs/python.md has
the details.
"""
import argparse
import os
import time

import numpy as np
import torch
import torch.distributed as dist

import odec
import odec.torch
from ode_demo import BATCH_SIZE, BATCH_TIME, HERE, get_batch, true_trajectory


def train(args):
    dist.init_process_group("gloo")  # rank, world size and rendezvous from the environment
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch % world:
        raise SystemExit(f"--batch {args.batch} is not a multiple of the {world} processes")
    torch.set_num_threads(1)

    true_y, dt = true_trajectory()
    ode = odec.torch.NeuralODE(os.path.join(HERE, "ode_demo.node"), model="OdeFunc",
                               tableau="RK38", step=dt, init="prior", seed=0)
    model = torch.nn.parallel.DistributedDataParallel(ode)  # broadcasts rank 0's parameters
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(1234)  # the same windows on every rank; each takes its share
    share = slice(rank * args.batch // world, (rank + 1) * args.batch // world)
    start = time.perf_counter()
    for itr in range(1, args.niters + 1):
        y0, windows = zip(*(get_batch(true_y, rng) for _ in range(args.batch // BATCH_SIZE)))
        y0, windows = torch.cat(y0)[share], torch.cat(windows)[share]
        opt.zero_grad()
        loss = (model(y0, BATCH_TIME - 1) - windows).abs().mean()
        loss.backward()  # odec's VJP, then DDP's all-reduce of the gradients
        opt.step()
        if rank == 0 and (itr % 100 == 0 or itr == args.niters):
            with torch.no_grad():
                full = ode(true_y[:1], len(true_y) - 1)[0]
            print(f"iter {itr:5d}  loss {loss.item():.6f}  full-trajectory loss "
                  f"{(full - true_y).abs().mean().item():.6f}", flush=True)
    if rank == 0:
        print(f"{world} processes: {1e3 * (time.perf_counter() - start) / args.niters:.3f} ms "
              "per optimizer step")
        odec.save_params("ode_demo_ddp.json", ode.params_numpy(), ode.model)
        print("wrote ode_demo_ddp.json")
    dist.destroy_process_group()


def local_process(local_rank, args):
    os.environ["RANK"] = str(args.node_rank * args.nproc + local_rank)
    os.environ["WORLD_SIZE"] = str(args.nnodes * args.nproc)
    os.environ["MASTER_ADDR"] = args.master_addr
    os.environ["MASTER_PORT"] = str(args.master_port)
    train(args)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--niters", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=4 * BATCH_SIZE, help="global batch (windows)")
    ap.add_argument("--nproc", type=int, default=1, help="processes on this machine")
    ap.add_argument("--nnodes", type=int, default=1, help="machines")
    ap.add_argument("--node-rank", type=int, default=0, help="this machine's index")
    ap.add_argument("--master-addr", default="127.0.0.1", help="node 0's address")
    ap.add_argument("--master-port", type=int, default=29500)
    args = ap.parse_args()
    if args.nproc == 1 and args.nnodes == 1 and "RANK" in os.environ:
        train(args)  # started by a launcher
    else:
        torch.multiprocessing.spawn(local_process, args=(args,), nprocs=args.nproc, join=True)


if __name__ == "__main__":
    main()
