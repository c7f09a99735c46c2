"""Deriving health-index KPIs from raw exports with DuckDB: time and rows per second.

Generates a portfolio with its raw exports (web events, CRM, support tickets, invoices,
product usage) as Parquet, then times cxkit.chi.derive_kpis (all definitions in
params/chi_kpis.yaml) against a plain baseline in the same run: reading the same files
into pandas with no computation at all. Timings are printed, never asserted.

    python benchmarks/bench_chi_derive.py [--accounts 20000]
    # about 50 million raw rows: --accounts 150000 (needs ~16 GB of memory to generate)
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from cxkit import sample
from cxkit.chi import derive_kpis, load_definitions
from cxkit.sample.sources import RAW_TABLES


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        p = sample.generate(n_accounts=args.accounts, progress=None)
        for name in list(p.tables):
            if name not in RAW_TABLES:
                del p.tables[name]
        folder = sample.write(p, Path(tmp), fmt="parquet")
        rows = sum(len(df) for df in p.tables.values())
        print(f"{args.accounts:,} accounts: {rows:,} raw rows generated and written in "
              f"{time.perf_counter() - t:.1f} s")
        del p
        t = time.perf_counter()
        for name in RAW_TABLES:
            pd.read_parquet(folder / f"{name}.parquet")
        read = time.perf_counter() - t
        defs = load_definitions()
        t = time.perf_counter()
        out = derive_kpis(folder, defs)
        took = time.perf_counter() - t
        print(f"baseline: read the raw files into pandas : {read:7.2f} s")
        print(f"cxkit: derive {len(defs['kpis'])} KPIs in DuckDB       : {took:7.2f} s  "
              f"({rows / took / 1e6:.1f} million raw rows/s, {len(out):,} KPI values)")
        print(f"ratio (derive / read)                    : {took / read:7.2f}x")


if __name__ == "__main__":
    main()
