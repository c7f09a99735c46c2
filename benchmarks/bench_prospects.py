"""Prospect profiling at scale: fitting and cross-validating rules, and scoring prospects.

Generates a portfolio of ``--accounts`` accounts (no KPIs) and a prospects table of
``--prospects`` rows (the generator's prospects repeated), then times, in the same run:

- baseline: one plain scikit-learn pass: a decision tree fitted once on the accounts and
  ``predict_proba`` on the prospects (numbers only, no rules, no held-out figures);
- cxkit: ``fit_rules`` and ``cross_validate_rules`` (5 folds) on the accounts, and
  ``score_prospects`` on the prospects (vectorised: one pass per rule).

Prints the times and the ratios. Timings are printed, never asserted.

    python benchmarks/bench_prospects.py [--accounts 100000] [--prospects 1000000]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from cxkit import prospects as pr
from cxkit.sample import generate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--prospects", type=int, default=1_000_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    p = generate(n_accounts=args.accounts, seed=1, kpis=False)
    print(f"generated {args.accounts:,} accounts in {time.perf_counter() - t0:.1f} s")
    t = p.tables
    best = pr.best_customers(t, pr.BestDefinition())["best"]
    cols = pr.attribute_columns(t["accounts"], t["prospects"])
    reps = -(-args.prospects // len(t["prospects"]))
    prospects = pd.concat([t["prospects"]] * reps, ignore_index=True).head(args.prospects)
    print(f"{len(best):,} judged accounts ({best.mean():.1%} best), {len(prospects):,} prospects")

    # baseline: one tree, fitted once, probabilities for the prospects
    t0 = time.perf_counter()
    a = t["accounts"].set_index("account_id").reindex(best.index)
    X, orders = pr._encode(a, cols, best.to_numpy(bool))
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=0.05).fit(
        np.nan_to_num(X, nan=-1.0), best.to_numpy(bool))
    Xp, _ = pr._encode(prospects, cols, orders=orders)
    tree.predict_proba(np.nan_to_num(Xp, nan=-1.0))
    t_base = time.perf_counter() - t0

    t0 = time.perf_counter()
    rules = pr.fit_rules(t["accounts"], best, cols)[:3]
    cv = pr.cross_validate_rules(t["accounts"], best, cols, n_rules=3)
    t_rules = time.perf_counter() - t0
    t0 = time.perf_counter()
    pr.score_prospects(prospects, rules, cv["precision"].iloc[:len(rules)], 0.05, cols)
    t_score = time.perf_counter() - t0
    print(f"baseline: one tree and predict_proba    : {t_base:7.2f} s")
    print(f"cxkit rules + 5-fold held-out figures    : {t_rules:7.2f} s")
    print(f"cxkit scoring {len(prospects):,} prospects      : {t_score:7.2f} s "
          f"({len(prospects) / t_score:,.0f} a second)")
    print(f"ratio (cxkit rules + scoring / baseline) : {(t_rules + t_score) / t_base:7.2f}x")


if __name__ == "__main__":
    main()
