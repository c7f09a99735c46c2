"""The health index's proof: account-resampled AUCs by weights against a plain resample loop.

The baseline is what a user writes with scikit-learn: for each of ``n_boot`` draws of
accounts (with replacement), gather the drawn accounts' rows and call
``roc_auc_score`` once per score. cxkit's :func:`cxkit.chi.proof._boot_aucs` computes
the same AUCs (tested equal in tests/test_chi_proof.py) as weighted pair counts, without
building the resampled rows. Both run on the same draws, here, in the same process;
the ratio is printed, never asserted (the machines are shared).

    python benchmarks/bench_proof_auc.py [--quick]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from cxkit.chi.proof import _boot_aucs


def held_out(n_accounts: int, periods: int, seed: int = 0):
    """Account-periods like the proof's: a loss outcome, two scores, ties in one."""
    rng = np.random.default_rng(seed)
    accounts = np.repeat(np.arange(n_accounts), periods)
    health = rng.normal(size=n_accounts)[accounts] + rng.normal(scale=0.7, size=len(accounts))
    y = (rng.random(len(accounts)) < 1 / (1 + np.exp(3 + 1.2 * health))).astype(float)
    scores = {"chi": -health, "nps": np.round(rng.normal(size=len(accounts)) - 0.3 * health)}
    return y, scores, pd.Series(accounts)


def baseline(y, scores, groups, n_boot, rng) -> dict:
    codes, uniques = pd.factorize(groups)
    rows_of = [np.flatnonzero(codes == k) for k in range(len(uniques))]
    out = {name: [] for name in scores}
    for _ in range(n_boot):
        drawn = rng.integers(0, len(uniques), len(uniques))
        rows = np.concatenate([rows_of[k] for k in drawn])
        if 0 < y[rows].sum() < len(rows):
            for name, p in scores.items():
                out[name].append(roc_auc_score(y[rows], p[rows]))
    return {name: np.array(v) for name, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="the sample's size only")
    args = ap.parse_args()
    sizes = [(850, 8)] if args.quick else [(850, 8), (5000, 8)]
    n_boot = 500
    print(f"{'accounts':>8} {'rows':>7} {'draws':>5} {'sklearn loop s':>14} {'cxkit s':>8} "
          f"{'ratio':>6} {'max |diff|':>10}")
    for n_accounts, periods in sizes:
        y, scores, groups = held_out(n_accounts, periods)
        t = time.perf_counter()
        base = baseline(y, scores, groups, n_boot, np.random.default_rng(1))
        t_base = time.perf_counter() - t
        t = time.perf_counter()
        ours = _boot_aucs(y, scores, groups, n_boot, np.random.default_rng(1))
        t_ours = time.perf_counter() - t
        # the same draws in the same order: the same AUCs
        diff = max(float(np.max(np.abs(base[k] - ours[k]))) for k in scores)
        print(f"{n_accounts:>8,} {len(y):>7,} {n_boot:>5} {t_base:>14.2f} {t_ours:>8.2f} "
              f"{t_base / t_ours:>5.1f}x {diff:>10.1e}")


if __name__ == "__main__":
    main()
