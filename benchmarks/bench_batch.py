"""``cxkit batch``: account reports in parallel against the same reports one after another.

Runs ``key_account_plan`` for the first N current accounts of the sample data, first
with one worker process (serial), then with one worker per core (parallel), in the same
script, and prints both times and the ratio (the issue's aim: at least 1.8x on 2 cores).

It also starts a bare kernel the same way (papermill, the same kernel manager, one empty
cell) and reports what a report costs over that: the notebook's own work (imports, data,
planner, charts) and the runner's (HTML report, workbook, renames). Timings are printed,
never asserted.

    python benchmarks/bench_batch.py [--accounts 50] [--workers 2] [--data data/sample]
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

from cxkit.batch import run_batch, select_accounts
from cxkit.paths import project_root
from cxkit.runner import KERNEL_ARGUMENTS, kernel_manager_class


def bare_kernel(repeats: int = 5) -> float:
    """Median seconds to start a kernel, run one empty cell and shut it down."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        src = Path(tmp) / "bare.ipynb"
        nbformat.write(nb, src)
        for i in range(repeats):
            runtime = Path(tmp) / f"rt{i}"
            runtime.mkdir()
            t = time.perf_counter()
            pm.execute_notebook(str(src), str(Path(tmp) / "out.ipynb"), progress_bar=False,
                                extra_arguments=KERNEL_ARGUMENTS,
                                kernel_manager_class=kernel_manager_class({}, tmp, runtime))
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def notebook_seconds(out: Path) -> float:
    """Mean seconds papermill spent executing the notebook per report (kernel included)."""
    durations = [json.loads(p.read_text())["metadata"]["papermill"]["duration"]
                 for p in out.glob("*.ipynb") if not p.name.endswith(".failed.ipynb")]
    return statistics.mean(durations)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data", default="data/sample")
    args = ap.parse_args()
    root = project_root()
    params = {"data_dir": args.data}
    accounts = select_accounts("key_account_plan", "all", overrides=params)[: args.accounts]
    n = len(accounts)
    print(f"key_account_plan for {n} accounts of {args.data}")

    bare = bare_kernel()
    print(f"bare kernel (start, one empty cell, shut down): {bare:.2f} s")

    with tempfile.TemporaryDirectory(dir=root) as tmp:
        runs = {}
        for label, workers in (("serial", 1), ("parallel", args.workers)):
            out = Path(tmp) / label
            t = time.perf_counter()
            result = run_batch("key_account_plan", accounts, overrides=params, out_dir=out,
                               workers=workers, progress=False)
            wall = time.perf_counter() - t
            if not result.ok:
                raise SystemExit(result.summary())
            runs[label] = wall
            print(f"{label:>8} ({workers} worker{'s' if workers > 1 else ''}): {wall:6.1f} s, "
                  f"{wall / n:.2f} s per report")
            if label == "serial":
                per_report = wall / n
                executing = notebook_seconds(out)
    print(f"parallel / serial speed-up: {runs['serial'] / runs['parallel']:.2f}x "
          f"(aim: >= 1.8x on 2 cores)")
    print(f"per report, serial: {per_report:.2f} s = bare kernel {bare:.2f} s"
          f" + notebook's own work {executing - bare:.2f} s"
          f" + runner (HTML, workbook, files) {per_report - executing:.2f} s;"
          f" overhead over a bare kernel start: {per_report - bare:.2f} s")


if __name__ == "__main__":
    main()
