"""Scoring the Customer Health Index: cxkit.chi.score against one plain pandas pass.

A wide KPI matrix (accounts x monthly periods x 30 KPIs, random values in each KPI's
range) is scored with the default model. The baseline, in the same run, is one plain
vectorised pandas pass over the same matrix: clip each KPI to its range and rescale to
0-100 with fixed bounds: no percentiles, stages, weights or coverage. Prints both times, the ratio
(the issue's target: within 1.5x) and peak memory. Timings are printed, never asserted.

It also times the percentile KPIs alone two ways, on the same matrix: cxkit's rank within
each period (rows sorted by period once, shared by every percentile KPI) against pandas'
``groupby(period).rank(method="average")``, checks that they agree, and prints the ratio:
cxkit keeps its own only while this shows it clearly faster.

    python benchmarks/bench_chi_score.py [--accounts 100000] [--periods 24]
"""
from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from cxkit.chi import load_model, score
from cxkit.chi.score import _Groups, _percentile


def matrix(n_accounts: int, n_periods: int, model, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_accounts * n_periods
    cols = {"account_id": np.repeat(np.arange(n_accounts), n_periods),
            "period": np.tile(pd.period_range("2024-01", periods=n_periods, freq="M")
                              .astype(str).to_numpy(), n_accounts)}
    for k in model.kpi_names:
        x = rng.normal(50, 20, n)
        x[rng.random(n) < 0.03] = np.nan  # a few KPIs missing
        cols[k] = x
    return pd.DataFrame(cols)


def baseline(df: pd.DataFrame, model) -> pd.DataFrame:
    """Pure arithmetic: clip every KPI to fixed bounds (the model's, or 0-100) and rescale."""
    lo = pd.Series({k.name: k.min if k.min is not None else 0.0
                    for s in model.stages for k in s.kpis})
    hi = pd.Series({k.name: k.max if k.max is not None else 100.0
                    for s in model.stages for k in s.kpis})
    x = df[model.kpi_names]
    return (x.clip(lo, hi, axis=1) - lo) / (hi - lo) * 100


def percentile_kpis(model) -> list[str]:
    return [k.name for s in model.stages for k in s.kpis if k.method == "percentile"]


def pandas_percentiles(df: pd.DataFrame, names) -> np.ndarray:
    """(rank - 1) / (n - 1) within each period with pandas' groupby().rank()."""
    out = np.empty((len(df), len(names)))
    by = df["period"]
    for j, k in enumerate(names):
        r = df[k].groupby(by).rank(method="average")
        n = df[k].notna().groupby(by).transform("sum")
        out[:, j] = ((r - 1) / (n - 1)).where(n > 1, 0.5).where(df[k].notna()).to_numpy()
    return out


def cxkit_percentiles(df: pd.DataFrame, names) -> np.ndarray:
    codes, uniques = pd.factorize(df["period"])
    groups = _Groups(codes.astype(np.int16), len(df))
    return np.column_stack([_percentile(df[k].to_numpy(float), groups) for k in names])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--periods", type=int, default=24)
    args = ap.parse_args()
    model = load_model()
    df = matrix(args.accounts, args.periods, model)
    print(f"{args.accounts:,} accounts x {args.periods} periods x {len(model.kpi_names)} KPIs "
          f"= {len(df):,} rows")
    t = time.perf_counter()
    baseline(df, model)
    base = time.perf_counter() - t
    t = time.perf_counter()
    score(df, model)
    ours = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2  # KB -> GB on Linux
    print(f"baseline: one plain pandas pass : {base:7.2f} s")
    print(f"cxkit.chi.score                  : {ours:7.2f} s")
    print(f"ratio (score / baseline)         : {ours / base:7.2f}x  (target <= 1.5x)")
    print(f"peak memory of the process       : {peak:7.2f} GB (target < 3 GB)")
    names = percentile_kpis(model)
    t = time.perf_counter()
    theirs = pandas_percentiles(df, names)
    pd_time = time.perf_counter() - t
    t = time.perf_counter()
    mine = cxkit_percentiles(df, names)
    our_time = time.perf_counter() - t
    same = np.allclose(mine, theirs, equal_nan=True, rtol=0, atol=1e-12)
    print(f"{len(names)} percentile KPIs, pandas groupby().rank(): {pd_time:7.2f} s")
    print(f"{len(names)} percentile KPIs, cxkit (one sort by period): {our_time:7.2f} s")
    print(f"ratio (pandas / cxkit)           : {pd_time / our_time:7.2f}x  (same values: {same})")


if __name__ == "__main__":
    main()
