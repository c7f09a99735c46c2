"""Cost of validated loading against plain pandas, in the same run.

Generates a portfolio (default 20,000 accounts, no KPIs), writes it as CSV, then times
reading the required tables with plain ``pandas.read_csv`` (the baseline) and with
``cxkit.io.load`` (read + normalise + pandera validation + referential checks). Prints
the best of ``--repeat`` timings and the ratio. Timings are not asserted anywhere.

    python benchmarks/bench_io.py [--accounts 20000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from cxkit import io, sample

TABLES = ["accounts", "contacts", "responses"]


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        p = sample.generate(n_accounts=args.accounts, kpis=False)
        gen = time.perf_counter() - t
        folder = sample.write(p, Path(tmp))
        rows = {n: len(p.tables[n]) for n in TABLES}
        print(f"portfolio: {args.accounts:,} accounts, generated in {gen:.2f} s; rows: "
              + ", ".join(f"{n} {k:,}" for n, k in rows.items()))

        def plain():
            for n in TABLES:
                pd.read_csv(folder / f"{n}.csv")

        def validated():
            io.load(folder, tables=TABLES)

        base = best(plain, args.repeat)
        ours = best(validated, args.repeat)
        per_row = ours / sum(rows.values()) * 1e6
        print(f"plain pandas.read_csv : {base:8.3f} s")
        print(f"cxkit.io.load         : {ours:8.3f} s  ({per_row:.2f} µs per row)")
        print(f"ratio (cxkit / plain) : {ours / base:8.2f}x")


if __name__ == "__main__":
    main()
