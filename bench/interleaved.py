"""Interleaved timing for the Python benchmarks: every contender once to warm up, then blocks in
which each runs once in turn, so that a slow spell of a noisy machine hits all of them alike."""
import statistics
import time


def timed(fns, blocks, repeat=1):
    """The median milliseconds of each function over `blocks` interleaved rounds; in each round
    a function runs `repeat` times in a row and counts their mean (so that what one contender
    leaves in the caches costs the next one call, not every call)."""
    for fn in fns:
        fn()
    ts = [[] for _ in fns]
    for _ in range(blocks):
        for fn, out in zip(fns, ts):
            start = time.perf_counter()
            for _ in range(repeat):
                fn()
            out.append((time.perf_counter() - start) / repeat)
    return [statistics.median(t) * 1e3 for t in ts]


def jit_target():
    """What the JIT compiles for: ODEC_CPU when set (e.g. x86-64-v3), else this machine, named by
    its widest vector extension."""
    import os
    chosen = os.environ.get("ODEC_CPU")
    if chosen:
        return chosen
    try:
        flags = next(line for line in open("/proc/cpuinfo") if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "this machine"
    widest = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
    return f"this machine ({widest})"
