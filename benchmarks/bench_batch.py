"""``cxkit batch``: what an account report costs, against a bare kernel and the plain way.

Runs ``key_account_plan`` per account and prints, from the same run:

1. a bare kernel (start, one empty cell, shut down; papermill and the runner's kernel
   manager) and the runner's export (HTML report, renames): the floor of any report;
2. one report's cost step by step, serially: parameters checked, kernel put back to
   fresh, the notebook's cells (plan, charts, tables, workbook), papermill's own work,
   the HTML export;
3. the plain way as the baseline: each report in a fresh kernel that loads the data and
   fits the whole portfolio itself (``cxkit run`` per account);
4. the batch on the sample: serial (1 worker) against parallel (``--workers``), with the
   CPU seconds each used, so the ratio can be read;
5. generated portfolios of 300 and 5,000 accounts: the same number of reports from each
   (per-report cost must not grow with the portfolio), then ``--large-accounts`` reports
   of the 5,000-account portfolio on ``--workers`` workers.

The issue's targets are printed beside the measures: a report at most 2x (bare kernel +
export), serially; parallel at least 1.8x serial. Timings are printed, never asserted.

    python benchmarks/bench_batch.py [--accounts 50] [--workers 2] [--large-accounts 1000]
                                     [--quick]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat
import papermill as pm

from cxkit import kernels, prepared, runner
from cxkit.batch import run_batch, select_accounts
from cxkit.paths import project_root
from cxkit.planning.prepared import prepare_batch
from cxkit.runner import KERNEL_ARGUMENTS, kernel_manager_class, run_notebook

NOTEBOOK = "key_account_plan"


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


class Steps:
    """Seconds spent in the runner's steps, timed by wrapping its functions."""

    def __init__(self):
        self.seconds = defaultdict(list)
        self._undo = []

    def wrap(self, owner, name: str, label: str):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label].append(time.perf_counter() - t)
        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def undo(self):
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)


def cell_kind(source: str) -> str:
    if source.startswith("# Parameters") or "parameters" in source[:40]:
        return "parameters"
    if "params.check" in source:
        return "imports and the plan"
    if ".plot_" in source:
        return "charts"
    if "to_excel" in source:
        return "workbook and JSON"
    return "tables and sentences"


def breakdown(accounts: list[str], params: dict, out: Path, warm: bool, folder=None
              ) -> tuple[dict, float]:
    """Run reports one after another in this process; median seconds of each step."""
    steps = Steps()
    steps.wrap(runner, "run_parameters", "parameters checked")
    steps.wrap(kernels.WarmKernel, "prepare", "kernel put back to fresh")
    steps.wrap(runner, "write_html_report", "HTML report")
    steps.wrap(pm, "execute_notebook", "papermill")
    env = {prepared.ENV_VAR: str(folder)} if folder else None
    walls, cells = [], defaultdict(list)
    try:
        for a in accounts:
            t = time.perf_counter()
            r = run_notebook(NOTEBOOK, overrides={**params, "account_id": a}, out_dir=out,
                             name=a, progress=False, warm=warm, env=env)
            walls.append(time.perf_counter() - t)
            nb = json.loads(r.executed.read_text())
            per = defaultdict(float)
            for c in nb["cells"]:
                if c["cell_type"] == "code":
                    per[cell_kind("".join(c["source"]))] += c["metadata"]["papermill"]["duration"]
            for k, v in per.items():
                cells[k].append(v)
    finally:
        steps.undo()
    if warm:
        kernels.shutdown_all()
    # the first report of a warm kernel starts it and imports everything: leave it out
    skip = 1 if warm and len(accounts) > 1 else 0
    med = {k: statistics.median(v[skip:]) for k, v in steps.seconds.items()}
    notebook = {f"notebook: {k}": statistics.median(v[skip:]) for k, v in cells.items()
                if k != "parameters"}
    inside = sum(notebook.values())
    out_steps = {"parameters checked": med.get("parameters checked", 0.0)}
    if warm:
        out_steps["kernel put back to fresh"] = med.get("kernel put back to fresh", 0.0)
    out_steps.update(notebook)
    out_steps["papermill and the kernel (start, messages, saves)"] = med["papermill"] - inside
    out_steps["HTML report"] = med["HTML report"]
    total = statistics.median(walls[skip:])
    out_steps["renames and the rest"] = total - sum(out_steps.values())
    return out_steps, total


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def batch(accounts, params, out, workers) -> tuple[float, float, dict]:
    """Wall and CPU seconds (workers and kernels) of one batch; its batch.json."""
    cpu, t = cpu_children(), time.perf_counter()
    result = run_batch(NOTEBOOK, accounts, overrides=params, out_dir=out, workers=workers,
                       progress=False)
    wall = time.perf_counter() - t
    if not result.ok:
        raise SystemExit(result.summary())
    return wall, cpu_children() - cpu, result.to_dict()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=50, help="reports per batch compared")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--large-accounts", type=int, default=1000,
                    help="reports from the generated 5,000-account portfolio")
    ap.add_argument("--quick", action="store_true", help="skip the generated portfolios")
    args = ap.parse_args()
    root = project_root()
    params = {"data_dir": "data/sample"}
    accounts = select_accounts(NOTEBOOK, "all", overrides=params)[: args.accounts]
    n = len(accounts)
    print(f"{NOTEBOOK} on data/sample ({len(select_accounts(NOTEBOOK, 'all'))} current "
          f"accounts); {n} reports per batch; {args.workers} workers\n")

    bare = bare_kernel()
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        tmp = Path(tmp)
        folder = tmp / "prepared"
        t = time.perf_counter()
        prepare_batch(folder, params, accounts[:11])
        fit_once = time.perf_counter() - t
        steps, per_report = breakdown(accounts[:11], params, tmp / "steps", warm=True,
                                      folder=folder)
        export = steps["HTML report"] + steps["renames and the rest"]
        floor = bare + export
        print(f"bare kernel (start, one empty cell, shut down): {bare:.2f} s; runner's export "
              f"(HTML report, renames): {export:.2f} s; together {floor:.2f} s")
        print(f"portfolio loaded and fitted once for the batch: {fit_once:.2f} s\n")
        print("one report, serially, in a warm kernel with the portfolio prepared "
              "(median of 10):")
        for k, v in steps.items():
            print(f"  {k:<52} {v:5.2f} s")
        print(f"  {'total':<52} {per_report:5.2f} s = {per_report / floor:.2f}x "
              f"(bare kernel + export)   [target <= 2x]")

        plain_steps, plain = breakdown(accounts[:4], params, tmp / "plain", warm=False)
        print(f"\nplain way (fresh kernel, data loaded and portfolio fitted per report), "
              f"median of 4: {plain:.2f} s per report = {plain / floor:.2f}x (bare kernel + "
              f"export); the batch's report is {plain / per_report:.1f}x faster")
        print(f"  of which the first cell (imports, load, fit): "
              f"{plain_steps['notebook: imports and the plan']:.2f} s\n")

        runs, steady = {}, {}
        for label, workers in (("serial", 1), ("parallel", args.workers)):
            wall, cpu, info = batch(accounts, params, tmp / label, workers)
            runs[label] = wall
            # reports after each worker's first (which starts its kernel and imports)
            seconds = sorted(r["seconds"] for r in info["runs"])[:-workers]
            steady[label] = statistics.mean(seconds) / workers
            print(f"batch {label:>8} ({workers} worker{'s' if workers > 1 else ''}): "
                  f"{wall:6.1f} s for {n}, {wall / n:.2f} s per report; CPU {cpu:6.1f} s "
                  f"({cpu / wall:.2f} cores busy); portfolio fitted once in "
                  f"{info['prepared']['seconds']:.2f} s, read by "
                  f"{info['prepared']['used']} of {n} runs")
        ratio = runs["serial"] / runs["parallel"]
        fixed = runs["serial"] - n * steady["serial"]
        print(f"parallel / serial: {ratio:.2f}x   [target >= 1.8x on 2 cores]; the reports "
              f"alone (each worker's first left out): {steady['serial'] / steady['parallel']:.2f}x;"
              f" the batch's fixed cost (portfolio fitted, workers, kernels and imports "
              f"started, shut down): about {fixed:.1f} s of the serial {runs['serial']:.1f} s")
        print(f"batch serial per report: {runs['serial'] / n:.2f} s = "
              f"{runs['serial'] / n / floor:.2f}x (bare kernel + export), kernels started "
              "and the portfolio fitted included")

        if args.quick:
            return
        from cxkit import sample

        print()
        per_size = {}
        for size in (300, 5000):
            data = tmp / f"portfolio{size}"
            t = time.perf_counter()
            sample.write(sample.generate(n_accounts=size), data)
            made = time.perf_counter() - t
            p = {"data_dir": str(data)}
            chosen = select_accounts(NOTEBOOK, "all", overrides=p)
            wall, cpu, info = batch(chosen[:n], p, tmp / f"out{size}", args.workers)
            seconds = sorted(r["seconds"] for r in info["runs"])[:-args.workers]
            per_size[size] = statistics.mean(seconds)
            print(f"generated {size:,} accounts ({made:.0f} s to generate): {n} reports on "
                  f"{args.workers} workers in {wall:.1f} s, {wall / n:.2f} s per report "
                  f"(portfolio fitted once in {info['prepared']['seconds']:.2f} s); one "
                  f"report, each worker's first left out: {per_size[size]:.2f} s")
            if size == 5000 and args.large_accounts:
                m = min(args.large_accounts, len(chosen))
                wall, cpu, info = batch(chosen[:m], p, tmp / "large", args.workers)
                print(f"generated 5,000 accounts: {m:,} reports on {args.workers} workers in "
                      f"{wall / 60:.1f} min, {wall / m:.2f} s per report "
                      f"(portfolio fitted once in {info['prepared']['seconds']:.1f} s, "
                      f"read by {info['prepared']['used']:,} runs)")
        print(f"one report's cost, 5,000 against 300 accounts: "
              f"{per_size[5000] / per_size[300]:.2f}x   [target: does not grow]")


if __name__ == "__main__":
    main()
