"""Side-by-side benchmarks: tinygrad_lite vs torch (CPU eager) vs hand-written NumPy.

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # fewer rounds and a smaller size sweep

Engines run round by round in one process (the order shuffled each round), every side pinned to
ONE thread (torch.set_num_threads(1); OMP/OpenBLAS/MKL via environment and threadpoolctl), all
on the malloc settings tinygrad_lite fixes at import (backend.STEADY_MALLOC). Reports medians
and ratios; writes benchmarks/results/latest.{json,csv}, ratios.png, sizes.png.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402

import tinygrad_lite as tl  # noqa: E402
from workloads import WORKLOADS  # noqa: E402

torch.set_num_threads(1)
ENGINES = {"tinygrad_lite": tl, "torch": torch, "numpy": "numpy"}
TARGETS = {"small": ("torch", 0.7), "medium": ("torch", 1.0), "large": ("numpy", 1.15)}


def _limit_blas():
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass


def time_steps(step, min_time):
    """Seconds per call of `step`, measured over enough calls to last `min_time`."""
    n, elapsed = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(n):
            step()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / n
        # at least one call more each time: a step taking just under min_time / n never ends
        # the loop otherwise (int(n * min_time / elapsed) rounds back down to n)
        n = max(n * 2 if elapsed < min_time / 4 else n + 1, int(n * min_time / max(elapsed, 1e-9)))


def bench_workloads(names, rounds, min_time):
    rows = []
    for name in names:
        make, cls = WORKLOADS[name]
        steps = {}
        for engine, mod in ENGINES.items():
            try:
                steps[engine] = make(mod)
                for _ in range(3):
                    steps[engine]()
            except Exception as e:  # a workload an engine cannot run yet is reported, not hidden
                print(f"  {name}: {engine} failed: {type(e).__name__}: {e}", file=sys.stderr)
        times = {e: [] for e in steps}
        for _ in range(rounds):
            order = list(steps)
            random.shuffle(order)
            for engine in order:
                times[engine].append(time_steps(steps[engine], min_time))
        med = {e: statistics.median(v) for e, v in times.items()}
        row = {"workload": name, "class": cls}
        for e in ENGINES:
            row[f"{e}_ms"] = med[e] * 1e3 if e in med else None
        tlt = med.get("tinygrad_lite")
        row["vs_torch"] = tlt / med["torch"] if tlt and "torch" in med else None
        row["vs_numpy"] = tlt / med["numpy"] if tlt and "numpy" in med else None
        ref, limit = TARGETS[cls]
        ratio = row["vs_torch" if ref == "torch" else "vs_numpy"]
        row["target"] = f"<= {limit}x {ref}"
        row["meets_target"] = None if ratio is None else ratio <= limit
        rows.append(row)
        print(_format_row(row), flush=True)
    return rows


def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


HEADER = (f"{'workload':<24} {'class':<7} {'tl ms':>9} {'torch ms':>9} {'numpy ms':>9} "
          f"{'tl/torch':>8} {'tl/numpy':>8}  target")


def _format_row(r):
    ok = {True: "ok", False: "MISS", None: "?"}[r["meets_target"]]
    return (f"{r['workload']:<24} {r['class']:<7} {_fmt(r['tinygrad_lite_ms'], '9.3f')} "
            f"{_fmt(r['torch_ms'], '9.3f')} {_fmt(r['numpy_ms'], '9.3f')} "
            f"{_fmt(r['vs_torch'], '8.2f')} {_fmt(r['vs_numpy'], '8.2f')}  {r['target']} {ok}")


def _micro_cases(mod):
    """(name, callable, divisor) for the microbenchmarks of one engine."""
    a, b = mod.ones(4), mod.ones(4)
    ag = mod.ones(4, requires_grad=True)

    def fwd_bwd():
        (ag * b).sum().backward()

    def graph_100():
        y = ag
        for _ in range(100):
            y = y * 1.0001
        del y
    params = [mod.zeros(10, requires_grad=True) for _ in range(100)]
    for p in params:
        p.grad = mod.ones(10)
    opt = mod.optim.Adam(params, lr=1e-3)
    return [("add, no grad (us/op)", lambda: a + b, 1), ("mul+sum fwd+bwd (us)", fwd_bwd, 1),
            ("build+free 100-node graph (us)", graph_100, 1),
            ("Adam step (us/param)", opt.step, len(params))]


def bench_micro(min_time, rounds=5):
    """Microseconds per op on tiny tensors, graph build/teardown, optimizer step per parameter:
    the best of `rounds` rounds, the engines alternating as in the workloads."""
    cases = {label: _micro_cases(mod) for label, mod in (("tinygrad_lite", tl), ("torch", torch))}
    best = {}
    for _ in range(rounds):
        for label in random.sample(list(cases), len(cases)):
            for name, fn, per in cases[label]:
                key = f"{label}: {name}"
                best[key] = min(best.get(key, math.inf), time_steps(fn, min_time) * 1e6 / per)
    return {f"{label}: {name}": best[f"{label}: {name}"] for label in cases for name, _, _ in cases[label]}


def bench_rng(n, repeats=3):
    """Seconds to draw n numbers (torch-identical streams vs torch's own C++ generator): the best
    of `repeats` calls after one warm-up call (the first call pays one-time setup)."""
    out = {}
    for label, mod in (("tinygrad_lite", tl), ("torch", torch)):
        mod.manual_seed(0)
        for name, fn in (("rand", lambda: mod.rand(n)), ("randn", lambda: mod.randn(n)),
                         ("randperm", lambda: mod.randperm(n // 10))):
            fn()
            best = math.inf
            for _ in range(repeats):
                start = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - start)
            out[f"{label}: {name}({n if name != 'randperm' else n // 10:.0e}) (s)"] = best
    return out


def bench_sizes(sizes, min_time):
    """Time of one op forward+backward (tanh -> sum -> backward) against tensor size."""
    res = {e: [] for e in ENGINES}
    for n in sizes:
        xv = np.random.default_rng(0).standard_normal(n).astype(np.float32)
        for engine, mod in ENGINES.items():
            if mod == "numpy":
                def step():
                    t = np.tanh(xv)
                    return t.sum(), 1 - t * t
            else:
                x = mod.tensor(xv, requires_grad=True)

                def step(x=x):
                    x.tanh().sum().backward()
                    x.grad = None
            step()
            res[engine].append(time_steps(step, min_time))
    return res


MEMORY_SCRIPT = r"""
import os, sys, resource, json
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = "1"
sys.path.insert(0, {here!r}); sys.path.insert(0, os.path.dirname({here!r}))
import workloads
engine = sys.argv[1]
if engine == "torch":
    import torch as mod; mod.set_num_threads(1)
else:
    import tinygrad_lite as mod
step = workloads.mlp_adam_32(mod)
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
samples = []
for i in range({steps}):
    step()
    if i % 50 == 49:
        samples.append(rss_mb())
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps(dict(samples=samples, peak_mb=peak)))
"""


def bench_memory(steps):
    """Peak and steady-state RSS over a long MLP training run, each engine in its own process."""
    out = {}
    for engine in ("tinygrad_lite", "torch"):
        code = MEMORY_SCRIPT.format(here=HERE, steps=steps)
        res = subprocess.run([sys.executable, "-c", code, engine], capture_output=True, text=True)
        if res.returncode:
            out[engine] = {"error": res.stderr.strip().splitlines()[-1:]}
            continue
        data = json.loads(res.stdout.strip().splitlines()[-1])
        s = data["samples"]
        out[engine] = {"peak_mb": round(data["peak_mb"], 1), "first_mb": round(s[0], 1),
                       "last_mb": round(s[-1], 1), "growth_mb": round(s[-1] - s[0], 1)}
    return out


def plot(rows, sizes, size_times, path_ratios, path_sizes):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no charts", file=sys.stderr)
        return
    names = [r["workload"] for r in rows]
    xs = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(11, 4.5))
    ax.bar(xs - 0.2, [r["vs_torch"] or 0 for r in rows], 0.4, label="tinygrad_lite / torch")
    ax.bar(xs + 0.2, [r["vs_numpy"] or 0 for r in rows], 0.4, label="tinygrad_lite / NumPy floor")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xticks(xs, names, rotation=35, ha="right")
    ax.set_ylabel("time ratio (lower is better)")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("tinygrad_lite time relative to torch CPU eager and hand-written NumPy (1 thread)")
    fig.tight_layout()
    fig.savefig(path_ratios, dpi=110)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for engine, ts in size_times.items():
        ax.loglog(sizes, [t * 1e6 for t in ts], marker="o", label=engine)
    ax.set_xlabel("elements")
    ax.set_ylabel("us per tanh->sum->backward")
    ax.set_title("where per-op overhead ends and memory bandwidth begins")
    ax.legend()
    ax.grid(True, which="both", lw=0.3)
    fig.tight_layout()
    fig.savefig(path_sizes, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer rounds, shorter timings")
    ap.add_argument("--only", nargs="*", help="workload names to run")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    _limit_blas()
    rounds, min_time = (3, 0.05) if args.quick else (7, 0.2)
    names = args.only or list(WORKLOADS)
    os.makedirs(args.out, exist_ok=True)
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, NumPy {np.__version__}, torch {torch.__version__}, "
               f"1 thread per engine" + (", fixed malloc thresholds" if tl.backend.STEADY_MALLOC else ""))
    print(machine)
    print(HEADER)
    rows = bench_workloads(names, rounds, min_time)
    micro = bench_micro(min_time)
    print("\nmicrobenchmarks:")
    for k, v in micro.items():
        print(f"  {k:<48} {v:10.2f}")
    rng = bench_rng(10**6 if args.quick else 10**7)
    print("\nrandom numbers (torch-identical streams; no Python loop per number):")
    for k, v in rng.items():
        print(f"  {k:<48} {v:10.3f}")
    micro.update(rng)
    sizes = [10, 100, 1000, 10**4, 10**5, 10**6] + ([] if args.quick else [10**7])
    size_times = bench_sizes(sizes, min_time)
    memory = bench_memory(200 if args.quick else 1000)
    print("\nmemory over an MLP training run (RSS, MiB):")
    for k, v in memory.items():
        print(f"  {k:<14} {v}")
    result = dict(machine=machine, rows=rows, micro=micro, sizes=sizes,
                  size_times={k: v for k, v in size_times.items()}, memory=memory,
                  when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    with open(os.path.join(args.out, "latest.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.join(args.out, "latest.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    plot(rows, sizes, size_times, os.path.join(args.out, "ratios.png"), os.path.join(args.out, "sizes.png"))
    print(f"\nwrote {args.out}/latest.json, latest.csv, ratios.png, sizes.png")


if __name__ == "__main__":
    main()
