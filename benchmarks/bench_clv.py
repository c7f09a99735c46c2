"""Fitting the shifted-beta-geometric model to many cohorts: cxkit.clv against a plain fit.

Simulates ``--cohorts`` cohorts (sizes 50-2,000, ages 6-36 periods, each with its own
Beta(alpha, beta) churn), then fits each cohort on its own twice in the same run:

- baseline: the textbook way, the sBG likelihood written period by period with
  ``math.lgamma`` and maximised by Nelder-Mead on (alpha, beta) (as in the spreadsheet
  and tutorial versions of Fader & Hardie 2007);
- cxkit: ``ShiftedBetaGeometric().fit(cohort)``, with standard errors.

Prints both times, the ratio and the time per 1,000 fits (the issue's target: under
2 s), and checks that the two agree. Timings are printed, never asserted.

    python benchmarks/bench_clv.py [--cohorts 1000]
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import optimize

from cxkit.clv import ShiftedBetaGeometric


def simulate(n: int, seed: int = 0) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    cohorts = []
    for _ in range(n):
        a, b = rng.uniform(0.3, 2.0), rng.uniform(0.8, 6.0)
        size, age = int(rng.integers(50, 2001)), int(rng.integers(6, 37))
        lifetime = rng.geometric(rng.beta(a, b, size=size))
        cohorts.append([int((lifetime > t).sum()) for t in range(age + 1)])
    return cohorts


def _lbeta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def plain_fit(active: list[int]) -> tuple[float, float]:
    """The sBG likelihood as it is usually written, one period at a time."""
    def nll(p):
        a, b = p
        if a <= 0 or b <= 0:
            return 1e12
        ll = 0.0
        for t in range(1, len(active)):
            ll += (active[t - 1] - active[t]) * (_lbeta(a + 1, b + t - 1) - _lbeta(a, b))
        ll += active[-1] * (_lbeta(a, b + len(active) - 1) - _lbeta(a, b))
        return -ll
    res = optimize.minimize(nll, [1.0, 1.0], method="Nelder-Mead",
                            options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 4000})
    return float(res.x[0]), float(res.x[1])


def _nll_plain(active, a, b) -> float:
    ll = 0.0
    for t in range(1, len(active)):
        ll += (active[t - 1] - active[t]) * (_lbeta(a + 1, b + t - 1) - _lbeta(a, b))
    return -(ll + active[-1] * (_lbeta(a, b + len(active) - 1) - _lbeta(a, b)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cohorts", type=int, default=1000)
    args = ap.parse_args()
    cohorts = [c for c in simulate(args.cohorts) if c[0] > c[-1]]
    print(f"{len(cohorts):,} cohorts, {sum(c[0] for c in cohorts):,} customers, "
          f"{sum(len(c) for c in cohorts):,} cohort-periods")

    t = time.perf_counter()
    plain = [plain_fit(c) for c in cohorts]
    t_plain = time.perf_counter() - t

    t = time.perf_counter()
    fits = [ShiftedBetaGeometric().fit(c) for c in cohorts]
    t_cxkit = time.perf_counter() - t

    diff = max(abs(m.alpha_ - a) / a for m, (a, _) in zip(fits, plain))
    print(f"plain Nelder-Mead, no standard errors : {t_plain:8.3f} s")
    print(f"cxkit ShiftedBetaGeometric.fit        : {t_cxkit:8.3f} s  "
          f"({1000 * t_cxkit / len(cohorts):.2f} s per 1,000 cohorts, with standard errors)")
    print(f"ratio (cxkit / plain)                 : {t_cxkit / t_plain:8.2f}x")
    print(f"largest relative difference in alpha  : {diff:.1e}")
    converged = sum(m.converged_ for m in fits)
    higher = sum(m.loglik_ >= -_nll_plain(c, a, b) - 1e-9 for m, c, (a, b) in
                 zip(fits, cohorts, plain))
    print(f"cxkit fits converged (Newton's rule)  : {converged:,} of {len(fits):,}; "
          f"likelihood at least the plain fit's in {higher:,}")


if __name__ == "__main__":
    main()
