"""Customers in and out, retention and cohorts: cxkit.customer_math against one plain pass.

Makes a revenue table of ``--accounts`` accounts over ``--periods`` months (accounts join
and leave at random, some come back, revenue drifts), then times, in the same run:

- baseline: one plain vectorised pandas pass over the same table: pivot to accounts ×
  months, shift by a month, and count new, lost, expansion and contraction per month;
- cxkit: ``account_movements`` (every account-month classified), ``flows``, ``retention``
  and the logo ``cohort_table``.

Prints both times, the ratio (the issue's target: within 2x) and peak memory (target under
3 GB). Timings are printed, never asserted.

    python benchmarks/bench_customer_math.py [--accounts 100000] [--periods 36]
"""
from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from cxkit import customer_math as cm


def revenue_table(n_accounts: int, n_periods: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = rng.integers(-n_periods, n_periods, n_accounts).clip(0)
    length = rng.geometric(1 / 24, n_accounts)
    t = np.arange(n_periods)
    on = (t[None, :] >= start[:, None]) & (t[None, :] < start[:, None] + length[:, None])
    back = rng.random(n_accounts) < 0.05  # some come back after a pause
    on |= back[:, None] & (t[None, :] >= start[:, None] + length[:, None] + 3)
    level = rng.lognormal(8, 1, n_accounts)[:, None] * np.exp(
        np.cumsum(rng.normal(0, 0.05, (n_accounts, n_periods)), axis=1))
    a, p = np.nonzero(on)
    labels = pd.period_range("2023-01", periods=n_periods, freq="M").astype(str).to_numpy()
    return pd.DataFrame({"account_id": np.char.add("A", a.astype(str)), "period": labels[p],
                         "revenue": np.round(level[a, p], 2)})


def plain(revenue: pd.DataFrame) -> pd.DataFrame:
    wide = revenue.pivot(index="account_id", columns="period", values="revenue").fillna(0.0)
    prev = wide.shift(1, axis=1, fill_value=0.0)
    cur_on, prev_on = wide > 0, prev > 0
    return pd.DataFrame({"new": (cur_on & ~prev_on).sum(), "lost": (~cur_on & prev_on).sum(),
                         "expansion": (wide - prev).where(cur_on & prev_on).clip(lower=0).sum(),
                         "contraction": (prev - wide).where(cur_on & prev_on).clip(lower=0).sum()})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--periods", type=int, default=36)
    ap.add_argument("--repeat", type=int, default=5)  # best of 5: the machines are noisy
    args = ap.parse_args()
    revenue = revenue_table(args.accounts, args.periods)
    print(f"{args.accounts:,} accounts x {args.periods} months: {len(revenue):,} revenue rows")

    def best(fn):
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    t_plain = best(lambda: plain(revenue))

    def ours():
        m = cm.account_movements(revenue, cm.Definitions(lost="revenue"))
        f = cm.flows(m)
        cm.retention(f)
        cm.cohort_table(m)

    t_cxkit = best(ours)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    print(f"plain pandas pass (counts only)        : {t_plain:8.3f} s")
    print(f"cxkit movements, flows, retention, cohorts: {t_cxkit:8.3f} s")
    print(f"ratio (cxkit / plain)                  : {t_cxkit / t_plain:8.2f}x")
    print(f"peak memory of the process             : {peak:8.2f} GB")


if __name__ == "__main__":
    main()
