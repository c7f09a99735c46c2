"""Rule learners side by side: held-out lift at the same number of rules.

The issue allows a rule-list library (imodels, wittgenstein) as an optional extra only if
it gives clearly better held-out lift than cxkit's shallow scikit-learn tree at the same
number of rules. This script measures that, in the same run, on the same folds:

- ``cxkit tree``: :func:`cxkit.prospects.fit_rules` (depth 3, leaves >= 5 %), its best
  ``--rules`` leaves by training rate;
- ``RIPPER`` (wittgenstein): ``RIPPER(max_rules=--rules)``, each rule covering at least 5 %
  of the accounts (``min_rule_samples``), in the order it learns them;
- ``SkopeRules`` (imodels): rules better than the base rate (``precision_min``) holding at
  least 5 % of the best customers (``recall_min``; its defaults, 0.5 and 0.01, keep one or
  two rules matching under 1 % of accounts), the first ``--rules`` by training precision;
- ``rule list`` (imodels ``GreedyRuleListClassifier``, depth ``--rules``): each rule covers
  the accounts the earlier ones left.

Each learner sees the same attribute columns (industry, employees, region): RIPPER the
table as it is (it bins numbers itself), the imodels learners the matrix cxkit's tree sees
(categories coded by their training rate, unknown as -1). Held out: 5 stratified folds;
per learner, the rank-1 rule's held-out precision and lift and those of "any of the first
``--rules`` rules" (the accounts a salesperson would call), with Wilson intervals, summed
over folds; on the committed sample and on freshly generated portfolios.

Needs the optional libraries (not cxkit dependencies)::

    pip install imodels wittgenstein
    python benchmarks/bench_rule_learners.py [--accounts 5000] [--seeds 3 4 5 6 7] [--rules 3]

Learners that are not installed are skipped. Times are printed, never asserted.
"""
from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from cxkit import prospects as pr
from cxkit.intervals import wilson

ROOT = Path(__file__).resolve().parents[1]
MIN_SHARE = 0.05  # cxkit's smallest leaf: 5 % of the accounts


# ------------------------------------------------------------------------- learners
# each: fit(frame, y, columns, n_rules) -> list of functions frame -> bool mask, best first

def cxkit_tree(frame, y, columns, n):
    rules = pr.fit_rules(frame.reset_index(), pd.Series(y, index=frame.index), columns)[:n]
    return [r.matches for r in rules]


def _matrix(frame, columns, y=None, orders=None):
    X, orders = pr._encode(frame, columns, y, orders)
    return pd.DataFrame(np.nan_to_num(X, nan=-1.0), columns=columns, index=frame.index), orders


def skope(frame, y, columns, n):
    from imodels import SkopeRulesClassifier
    X, orders = _matrix(frame, columns, y)
    m = SkopeRulesClassifier(random_state=0, max_depth=3, precision_min=y.mean(),
                             recall_min=MIN_SHARE).fit(X.to_numpy(), y, feature_names=columns)
    rules = sorted(m.rules_, key=lambda r: -r.args[0])[:n]

    def mask(rule):
        def f(test):
            Xt, _ = _matrix(test, columns, orders=orders)
            return Xt.eval(rule.rule).to_numpy(bool)
        return f
    return [mask(r) for r in rules]


def greedy_list(frame, y, columns, n):
    from imodels import GreedyRuleListClassifier
    X, orders = _matrix(frame, columns, y)
    m = GreedyRuleListClassifier(max_depth=n).fit(X.to_numpy(), y, feature_names=columns)
    steps = [r for r in m.rules_ if "col" in r]

    def leaf(k):
        def f(test):
            Xt, _ = _matrix(test, columns, orders=orders)
            left = np.ones(len(Xt), bool)
            for i, r in enumerate(steps[: k + 1]):
                x = Xt[r["col"]].to_numpy() if r["col"] in Xt else Xt.iloc[:, r["index_col"]].to_numpy()
                hit = (x < r["cutoff"]) if r.get("flip") else (x >= r["cutoff"])
                if i == k:
                    return left & hit
                left &= ~hit
            return left
        return f
    return [leaf(k) for k in range(min(n, len(steps)))]


def _ripper_table(frame, columns):
    t = frame[columns].copy()
    for c in columns:  # wittgenstein drops spaces from values it prints: keep none
        if not pd.api.types.is_numeric_dtype(t[c]):
            t[c] = t[c].astype(object).fillna("unknown").str.replace(" ", "_")
    return t.reset_index(drop=True)


def ripper(frame, y, columns, n):
    import wittgenstein as lw
    df = _ripper_table(frame, columns)
    df["_y"] = y.astype(int)
    m = lw.RIPPER(max_rules=n, min_rule_samples=int(MIN_SHARE * len(df)), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(df, class_feat="_y", pos_class=1)
    rules = m.ruleset_.rules[:n]

    def mask(rule):
        def f(test):
            t = _ripper_table(test, columns)
            if not m.bin_transformer_.isempty():
                t = m.bin_transformer_.transform(t)
            out = np.zeros(len(t), bool)
            out[rule.covers(t).index.to_numpy()] = True
            return out
        return f
    return [mask(r) for r in rules]


LEARNERS = {"cxkit tree": (cxkit_tree, None), "RIPPER": (ripper, "wittgenstein"),
            "SkopeRules": (skope, "imodels"), "rule list": (greedy_list, "imodels")}


# ------------------------------------------------------------------------- measuring
def compare(tables, n_rules, folds=5, seed=0):
    best = pr.best_customers(tables, pr.BestDefinition())["best"]
    columns = pr.attribute_columns(tables["accounts"], tables.get("prospects"))
    a = tables["accounts"].set_index("account_id").reindex(best.index)
    y = best.to_numpy(bool)
    base = y.mean()
    rows = []
    for name, (fit, lib) in LEARNERS.items():
        if lib is not None:
            try:
                __import__(lib)
            except ImportError:
                print(f"  {name}: {lib} not installed, skipped")
                continue
        top = np.zeros(3)  # support, best, folds with a rule
        anyr = np.zeros(2)
        n_seen = []
        t0 = time.perf_counter()
        cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
        for train, test in cv.split(np.zeros(len(y)), y):
            masks = fit(a.iloc[train], y[train], columns, n_rules)
            n_seen.append(len(masks))
            yt = y[test]
            hits = [m(a.iloc[test]) for m in masks]
            if hits:
                top += (hits[0].sum(), yt[hits[0]].sum(), 1)
                u = np.any(hits, axis=0)
                anyr += (u.sum(), yt[u].sum())
        secs = time.perf_counter() - t0
        for what, (sup, b) in (("rank 1", top[:2]), (f"any of {n_rules}", anyr)):
            lo, hi = wilson(np.array([b]), np.array([sup]))
            prec = b / sup if sup else np.nan
            rows.append({"learner": name, "rules": what, "held-out accounts": int(sup),
                         "precision": prec, "lift": prec / base, "lift_low": lo[0] / base,
                         "lift_high": hi[0] / base, "rules per fold": np.mean(n_seen),
                         "seconds": secs})
    return pd.DataFrame(rows), base, len(y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=5000)
    ap.add_argument("--seeds", type=int, nargs="*", default=[3, 4, 5, 6, 7])
    ap.add_argument("--rules", type=int, default=3)
    args = ap.parse_args()
    from cxkit import sample
    from cxkit.io import load

    pd.set_option("display.width", 140)
    runs = [("committed sample", load(ROOT / "data" / "sample",
                                      optional=["prospects", "contacts", "kpis"]))]
    for s in args.seeds:
        runs.append((f"generated, {args.accounts:,} accounts, seed {s}",
                     sample.generate(n_accounts=args.accounts, seed=s, kpis=False).tables))
    allrows = []
    for label, tables in runs:
        out, base, n = compare(tables, args.rules)
        print(f"\n{label}: {n:,} judged accounts, base rate {base:.1%}")
        print(out.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
        allrows.append(out.assign(run=label))
    gen = pd.concat(allrows[1:]) if len(allrows) > 1 else pd.concat(allrows)
    mean = gen.groupby(["rules", "learner"], sort=False)[["held-out accounts", "lift", "lift_low", "seconds"]].mean()
    print("\nmean over the generated portfolios (lift ratio against cxkit tree):")
    ref = mean.xs("cxkit tree", level="learner")["lift"]
    mean["ratio to cxkit tree"] = mean["lift"] / ref.reindex(mean.index.get_level_values(0)).to_numpy()
    print(mean.to_string(float_format=lambda v: f"{v:,.2f}"))


if __name__ == "__main__":
    main()
