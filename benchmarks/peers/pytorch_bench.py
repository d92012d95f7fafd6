#!/usr/bin/env python3
"""Times the benchmark networks in PyTorch (training step and inference) and prints JSON.

Usage: /usr/bin/python3 pytorch_bench.py [--threads 1] [--quick] [--batches 1,8,32,100,256] [--train-batch 100]

The networks match benchmarks/CnnGen.Benchmarks/Networks.cs layer for layer (weights are random: only the
time matters). Times are seconds per call: median, min and max over repetitions, by this process's CPU time
with one thread and by the wall clock with more.
"""
import argparse
import json
import os
import statistics
import sys
import time


def _requested_threads(argv):
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


# OpenBLAS and OpenMP size their thread pools when torch is imported, so the thread count must be set first; otherwise
# OpenBLAS keeps its own (spinning) threads and the process's CPU time counts them.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = _requested_threads(sys.argv)

import torch
import torch.nn as nn


def simple_conv_net():
    return nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4320, 100), nn.ReLU(), nn.Linear(100, 10))


def lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def small_vgg():
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(2048, 128), nn.ReLU(), nn.Linear(128, 10))


NETWORKS = {
    "SimpleConvNet": (simple_conv_net, (1, 28, 28)),
    "LeNet5": (lenet5, (1, 28, 28)),
    "SmallVgg": (small_vgg, (3, 32, 32)),
}


def measure(call, reps, rep_seconds, warmup_seconds, cpu):
    # The process's CPU time with one thread: every thread counts, so no work can hide in a library's own threads.
    clock = time.process_time if cpu else time.perf_counter
    start = time.perf_counter()
    warm = 0
    while warm < 2 or time.perf_counter() - start < warmup_seconds:
        call()
        warm += 1
    per_call = (time.perf_counter() - start) / warm
    k = max(1, int(rep_seconds / max(per_call, 1e-9)))
    samples = []
    for _ in range(reps):
        t0 = clock()
        for _ in range(k):
            call()
        samples.append((clock() - t0) / k)
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "calls": k, "reps": reps}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--batches", default="1,8,32,100,256")
    p.add_argument("--train-batch", type=int, default=100)
    p.add_argument("--networks", default=",".join(NETWORKS))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    reps, rep_s, warm_s = (3, 0.01, 0.02) if a.quick else (15, 0.1, 0.5)
    cpu = a.threads == 1
    out = {"engine": "PyTorch " + torch.__version__, "threads": a.threads, "clock": "cpu" if cpu else "wall",
           "networks": {}}
    for name in a.networks.split(","):
        make, shape = NETWORKS[name]
        net = make()
        result = {"infer": {}, "train": {}}
        net.eval()
        with torch.inference_mode():
            for b in [int(s) for s in a.batches.split(",")]:
                x = torch.randn(b, *shape)
                result["infer"][str(b)] = measure(lambda: net(x), reps, rep_s, warm_s, cpu)
        net.train()
        b = a.train_batch
        x = torch.randn(b, *shape)
        t = torch.randint(0, 10, (b,))
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad(set_to_none=False)
            loss = loss_fn(net(x), t)
            loss.backward()
            opt.step()

        result["train"][str(b)] = measure(step, reps, rep_s, warm_s, cpu)
        out["networks"][name] = result
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
