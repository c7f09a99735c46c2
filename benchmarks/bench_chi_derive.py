"""Deriving health-index KPIs from raw exports with DuckDB: time and rows per second.

Generates a portfolio with its raw exports (web events, CRM, support tickets, invoices,
product usage) as Parquet, then times cxkit.chi.derive_kpis (all definitions in
params/chi_kpis.yaml) against a plain baseline in the same run: reading the same files
into pandas with no computation at all. Timings are printed, never asserted.

    python benchmarks/bench_chi_derive.py [--accounts 20000] [--copies 1]
    # about 50 million raw rows: --accounts 20000 --copies 7

``--copies N`` writes each raw table N times, the account ids suffixed per copy
(``A000001~2``), so a large portfolio is reached without generating it in memory: the
copies are made by DuckDB from Parquet to Parquet, streaming. Every copy is a distinct
account to the KPI queries; only the event patterns repeat.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from cxkit import sample
from cxkit.chi import derive_kpis, load_definitions
from cxkit.sample.sources import RAW_TABLES


def tile(base: Path, out: Path, copies: int) -> Path:
    """Each raw table ``copies`` times, account ids suffixed per copy (DuckDB, streaming)."""
    out.mkdir()
    con = duckdb.connect()
    for name in RAW_TABLES:
        src = base / f"{name}.parquet"
        con.execute(f"""COPY (SELECT * REPLACE (account_id || '~' || CAST(c AS VARCHAR)
                                     AS account_id)
                          FROM read_parquet('{src}'), range({copies}) AS r(c))
                    TO '{out / f"{name}.parquet"}' (FORMAT parquet)""")
    con.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--copies", type=int, default=1, help="write the raw tables this many times")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        p = sample.generate(n_accounts=args.accounts, progress=None)
        for name in list(p.tables):
            if name not in RAW_TABLES:
                del p.tables[name]
        folder = sample.write(p, Path(tmp) / "base", fmt="parquet")
        rows = sum(len(df) for df in p.tables.values()) * args.copies
        del p
        if args.copies > 1:
            folder = tile(folder, Path(tmp) / "tiled", args.copies)
        print(f"{args.accounts * args.copies:,} accounts: {rows:,} raw rows generated and "
              f"written in {time.perf_counter() - t:.1f} s")
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
